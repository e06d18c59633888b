// @fastify/session's store interface over the session table. The cookie carries a random id;
// the table keys rows by its SHA-256, so a copy of the table cannot be replayed as cookies.
// Reading a session reads its signed-in user in the same statement; the auth plugin takes that
// user instead of reading it again. A node keeps what it read for a few seconds (session-cache.ts):
// every save and destroy here drops the copies on all nodes before it is answered.

import type { Session } from 'fastify'
import type { Database } from '../db/database.js'
import { dbNow, toDbDateTime } from '../db/dialect.js'
import {
  deleteSession,
  findLiveSessionsWithUsers,
  findLiveSessionWithUser,
  type SessionWithUser,
  saveSession,
} from '../repositories/sessions.js'
import type { User } from '../repositories/users.js'
import { GroupCommit } from '../services/group-commit.js'
import type { SessionCache } from '../services/session-cache.js'
import { sha256Hex } from '../services/tokens.js'

type Callback = (error?: unknown) => void
type StoredFields = { cookie?: { expires?: Date | string | null }; userId?: unknown }

export function sessionIdHash(sessionId: string): string {
  return sha256Hex(sessionId)
}

/** A user read with a session is handed to the request that read it within this time, or dropped. */
const LOADED_USER_MS = 1000
/** Users read but never taken (a request that failed between the two steps) are dropped past this. */
const MAX_LOADED_USERS = 10_000

export class DatabaseSessionStore {
  /** By session id: the user each get() read, until the request's auth step takes it. */
  private readonly loadedUsers = new Map<string, { user: User; at: number }>()
  /**
   * Session reads, grouped as likes are committed: one alone at rest; those asked for while a
   * read runs, in one statement next (a member's burst of requests reads its row once).
   */
  private readonly reads: GroupCommit<string, SessionWithUser | undefined>

  constructor(
    private readonly db: Database,
    private readonly maxAgeSeconds: number,
    private readonly cache: SessionCache<SessionWithUser>,
  ) {
    this.reads = new GroupCommit(
      (idHash) => findLiveSessionWithUser(db, idHash),
      (idHashes) => findLiveSessionsWithUsers(db, idHashes),
    )
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    const fields = session as unknown as StoredFields
    const expires = fields.cookie?.expires ? new Date(fields.cookie.expires) : undefined
    const userId = typeof fields.userId === 'number' ? fields.userId : null
    const idHash = sessionIdHash(sessionId)
    saveSession(this.db, idHash, {
      userId,
      data: JSON.stringify(session),
      expiresAt: expires ? toDbDateTime(expires) : dbNow(this.maxAgeSeconds),
    })
      .then(() => this.cache.sessionChanged(idHash))
      .then(() => callback(), callback)
  }

  get(sessionId: string, callback: (error: unknown, session?: Session | null) => void): void {
    this.read(sessionIdHash(sessionId)).then((found) => {
      if (!found) return callback(null, null)
      let session: Session
      try {
        session = JSON.parse(found.session.data) as Session
      } catch {
        return callback(null, null)
      }
      if (found.user) this.remember(sessionId, found.user)
      callback(null, session)
    }, callback)
  }

  /** The node's copy when it has a fresh one; else the row, kept if nothing changed meanwhile. */
  private async read(idHash: string): Promise<SessionWithUser | undefined> {
    const cached = this.cache.get(idHash)
    // Each request its own user object: nothing one request does to it reaches another.
    if (cached) return { session: cached.session, user: cached.user && { ...cached.user } }
    const token = this.cache.readToken()
    const found = await this.reads.submit(idHash)
    if (found) this.cache.store(idHash, { ...found, user: found.user && { ...found.user } }, token)
    return found
  }

  /**
   * The user that reading this session found, if it is the one expected and was read just now;
   * each read is handed out once. Undefined means: read the user yourself.
   */
  takeUser(sessionId: string, userId: number): User | undefined {
    const loaded = this.loadedUsers.get(sessionId)
    if (!loaded) return undefined
    this.loadedUsers.delete(sessionId)
    if (loaded.user.id !== userId || Date.now() - loaded.at > LOADED_USER_MS) return undefined
    return loaded.user
  }

  private remember(sessionId: string, user: User): void {
    if (this.loadedUsers.size >= MAX_LOADED_USERS) this.loadedUsers.clear()
    this.loadedUsers.set(sessionId, { user, at: Date.now() })
  }

  destroy(sessionId: string, callback: Callback): void {
    const idHash = sessionIdHash(sessionId)
    deleteSession(this.db, idHash)
      .then(() => this.cache.sessionChanged(idHash))
      .then(() => callback(), callback)
  }
}
