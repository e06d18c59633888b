// Counts views of raw files cheaply: hits are added up in memory and written to view_count in
// one statement per post every few seconds, instead of a write per hit.
import type { Database } from '../db/database.js'
import { addPostViews } from '../repositories/posts.js'

interface FlushLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/**
 * While the database is away the counts wait in memory, one entry per post: this many posts
 * at most (a few MB), so a long outage on a busy site cannot grow the batch without end.
 */
export const MAX_PENDING_POSTS = 100_000

export class ViewCounter {
  private pending = new Map<number, number>()
  /** Views refused since the last flush because the batch was full; logged by the flush. */
  private dropped = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Database,
    private readonly log: FlushLog,
    private readonly options: { flushEveryMs?: number; maxPendingPosts?: number } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => {
        // The counts are back in the batch: the next flush tries them again.
        this.log.warn({ err, pendingPosts: this.pending.size }, 'view counts not written yet')
      })
    }, this.options.flushEveryMs ?? 10_000)
    this.timer.unref()
  }

  record(postId: number, views = 1): void {
    const known = this.pending.get(postId)
    if (
      known === undefined &&
      this.pending.size >= (this.options.maxPendingPosts ?? MAX_PENDING_POSTS)
    ) {
      this.dropped += views
      return
    }
    this.pending.set(postId, (known ?? 0) + views)
  }

  /** Writes the counts gathered so far; what could not be written stays for the next flush. */
  async flush(): Promise<void> {
    if (this.dropped > 0) {
      this.log.error(
        { droppedViews: this.dropped, pendingPosts: this.pending.size },
        'view counts dropped: too many posts waiting for the database',
      )
      this.dropped = 0
    }
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
      // Merged with what was counted meanwhile, within the same bound.
      for (const [postId, views] of unwritten) this.record(postId, views)
    }
  }

  /** The last flush, at shutdown: what it cannot write is lost, so it says how much. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    try {
      await this.flush()
    } catch (err) {
      const views = [...this.pending.values()].reduce((sum, n) => sum + n, 0)
      this.log.error(
        { err, pendingPosts: this.pending.size, views },
        'view counts lost at shutdown',
      )
      throw err
    }
  }
}
