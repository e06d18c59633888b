// Counts views of raw files cheaply: hits are added up in memory and written to view_count in
// one statement per post every few seconds, instead of a write per hit.
import type { Database } from '../db/database.js'
import { addPostViews } from '../repositories/posts.js'

interface FlushLog {
  warn(details: object, message: string): void
}

export class ViewCounter {
  private pending = new Map<number, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Database,
    private readonly log?: FlushLog,
    private readonly flushEveryMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => {
        // The counts are back in the batch: the next flush tries them again.
        this.log?.warn({ err, pendingPosts: this.pending.size }, 'view counts not written yet')
      })
    }, this.flushEveryMs)
    this.timer.unref()
  }

  record(postId: number, views = 1): void {
    this.pending.set(postId, (this.pending.get(postId) ?? 0) + views)
  }

  /** Writes the counts gathered so far; what could not be written stays for the next flush. */
  async flush(): Promise<void> {
    const batch = this.pending
    this.pending = new Map()
    const unwritten = [...batch]
    try {
      while (unwritten.length > 0) {
        const [postId, views] = unwritten[0] as [number, number]
        await addPostViews(this.db, postId, views)
        unwritten.shift()
      }
    } finally {
      for (const [postId, views] of unwritten) this.record(postId, views)
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.flush()
  }
}
