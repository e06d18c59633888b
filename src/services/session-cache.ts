// A node's copies of the sessions it read lately, with their signed-in users: while a copy is
// fresh, a member's request costs no database round trip to learn who they are. Every change
// to a session (saved, destroyed) or to a user (settings, role, password, deletion) drops the
// copies on this node at once and on every other node through the channel (tag-channel.ts)
// before the change is answered; a node that cannot hear the others keeps no copies at all, so
// a sign-out or a password change ends a session everywhere, not a few seconds later.
import { fromDbDateTime } from '../db/dialect.js'

export interface CachedSession {
  session: { userId: number | null; data: string; expiresAt: string }
  user: { id: number } | undefined
}

/** What the services that change a user's row tell, once the change has committed. */
export interface UserChanges {
  userChanged(userId: number): Promise<void>
}

interface Entry<T> {
  value: T
  userId: number | null
  /** Epoch ms past which the copy is not used: its age limit, or the session's own expiry. */
  until: number
}

const ALL = '*'
const sessionTag = (idHash: string) => `session:${idHash}`
const userTag = (userId: number) => `user:${userId}`

export class SessionCache<T extends CachedSession = CachedSession> implements UserChanges {
  private readonly entries = new Map<string, Entry<T>>()
  /** Moves on every drop: a read that began before a drop must not store what it read. */
  private generation = 0
  /** False until the node hears the others: a change made by another node could be missed. */
  private hearing = false
  private readonly maxEntries: number
  private tell: (tags: readonly string[]) => Promise<unknown> = async () => {}

  constructor(
    private readonly ttlMs: number,
    options: { maxEntries?: number } = {},
  ) {
    // About a kilobyte each: 10,000 members active within the copies' life hold ~10 MB.
    this.maxEntries = options.maxEntries ?? 10_000
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.hearing
  }

  /** How the other nodes are told (the channel's publish); without it, only this node drops. */
  connect(tell: (tags: readonly string[]) => Promise<unknown>): void {
    this.tell = tell
  }

  /** Whether the node hears the other nodes' drops; while it does not, nothing is kept. */
  setHearing(hearing: boolean): void {
    if (!hearing) this.dropAll()
    this.hearing = hearing
  }

  /** Taken before a read: `store` keeps what the read found only if nothing was dropped since. */
  readToken(): number {
    return this.generation
  }

  /** A fresh copy, if there is one. */
  get(idHash: string): T | undefined {
    const entry = this.entries.get(idHash)
    if (!entry) return undefined
    if (!this.enabled || entry.until <= Date.now()) {
      this.entries.delete(idHash)
      return undefined
    }
    return entry.value
  }

  store(idHash: string, value: T, token: number): void {
    if (!this.enabled || token !== this.generation) return
    const until = Math.min(Date.now() + this.ttlMs, expiryMs(value.session.expiresAt))
    if (this.entries.size >= this.maxEntries && !this.entries.has(idHash)) {
      // The oldest copy goes first (a Map keeps insertion order).
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(idHash, { value, userId: value.session.userId, until })
  }

  /** A session was saved or destroyed: dropped here and on every node before this resolves. */
  async sessionChanged(idHash: string): Promise<void> {
    await this.change([sessionTag(idHash)])
  }

  async userChanged(userId: number): Promise<void> {
    await this.change([userTag(userId)])
  }

  /** What another node said it changed. */
  heard(tags: readonly string[]): void {
    this.drop(tags)
  }

  private async change(tags: readonly string[]): Promise<void> {
    this.drop(tags)
    await this.tell(tags)
  }

  private drop(tags: readonly string[]): void {
    this.generation++
    for (const tag of tags) {
      if (tag === ALL) {
        this.dropAll()
        return
      }
      if (tag.startsWith('session:')) this.entries.delete(tag.slice('session:'.length))
      else if (tag.startsWith('user:')) {
        const userId = Number(tag.slice('user:'.length))
        for (const [idHash, entry] of this.entries)
          if (entry.userId === userId) this.entries.delete(idHash)
      }
    }
  }

  private dropAll(): void {
    this.generation++
    this.entries.clear()
  }
}

/** The session row's expiry in epoch ms; an unreadable one as already past. */
function expiryMs(expiresAt: string): number {
  const ms = fromDbDateTime(expiresAt).getTime()
  return Number.isNaN(ms) ? 0 : ms
}
