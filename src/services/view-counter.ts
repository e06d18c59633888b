// Counts views of raw files cheaply: hits are added up in memory and written to view_count in
// one statement per post every few seconds, instead of a write per hit.
import { sql } from 'kysely'
import type { Database } from '../db/database.js'

export class ViewCounter {
  private pending = new Map<number, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Database,
    private readonly flushEveryMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.flush().catch(() => {})
    }, this.flushEveryMs)
    this.timer.unref()
  }

  record(postId: number): void {
    this.pending.set(postId, (this.pending.get(postId) ?? 0) + 1)
  }

  /** Writes the counts gathered so far. */
  async flush(): Promise<void> {
    const batch = this.pending
    this.pending = new Map()
    for (const [postId, views] of batch) {
      await this.db
        .updateTable('sharedfile')
        .set({ view_count: sql`view_count + ${views}` })
        .where('id', '=', postId)
        .execute()
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.flush()
  }
}
