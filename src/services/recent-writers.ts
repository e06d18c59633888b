// Who wrote in the last few seconds: their reads go to the primary, so nobody misses their own
// like or comment on a replica that is a moment behind. Shared by every node through Redis when
// REDIS_URL is set (the next request may land on another node); in memory otherwise.
import type { Redis } from 'ioredis'

export class RecentWriters {
  private readonly local = new Map<number, number>()

  constructor(
    /** At least the most a fit replica may lag, plus its check interval. */
    private readonly windowMs: number,
    private readonly redis?: { client: Redis; prefix: string },
  ) {}

  async wrote(userId: number): Promise<void> {
    const until = Date.now() + this.windowMs
    this.local.set(userId, until)
    if (this.local.size > 100_000) this.forgetExpired()
    await this.redis?.client.set(this.key(userId), '1', 'PX', this.windowMs)
  }

  /** True when unsure (Redis away): a read from the primary is never wrong. */
  async wroteRecently(userId: number): Promise<boolean> {
    if ((this.local.get(userId) ?? 0) > Date.now()) return true
    if (!this.redis) return false
    try {
      return (await this.redis.client.exists(this.key(userId))) === 1
    } catch {
      return true
    }
  }

  private key(userId: number): string {
    return `${this.redis?.prefix}:wrote:${userId}`
  }

  private forgetExpired(): void {
    const now = Date.now()
    for (const [userId, until] of this.local) if (until <= now) this.local.delete(userId)
  }
}
