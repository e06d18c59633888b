// @fastify/session's store interface over the session table. The cookie carries a random id;
// the table keys rows by its SHA-256, so a copy of the table cannot be replayed as cookies.

import type { Session } from 'fastify'
import type { Database } from '../db/database.js'
import { dbNow, toDbDateTime } from '../db/dialect.js'
import { deleteSession, findLiveSession, saveSession } from '../repositories/sessions.js'
import { sha256Hex } from '../services/tokens.js'

type Callback = (error?: unknown) => void
type StoredFields = { cookie?: { expires?: Date | string | null }; userId?: unknown }

export function sessionIdHash(sessionId: string): string {
  return sha256Hex(sessionId)
}

export class DatabaseSessionStore {
  constructor(
    private readonly db: Database,
    private readonly maxAgeSeconds: number,
  ) {}

  set(sessionId: string, session: Session, callback: Callback): void {
    const fields = session as unknown as StoredFields
    const expires = fields.cookie?.expires ? new Date(fields.cookie.expires) : undefined
    const userId = typeof fields.userId === 'number' ? fields.userId : null
    saveSession(this.db, sessionIdHash(sessionId), {
      userId,
      data: JSON.stringify(session),
      expiresAt: expires ? toDbDateTime(expires) : dbNow(this.maxAgeSeconds),
    }).then(() => callback(), callback)
  }

  get(sessionId: string, callback: (error: unknown, session?: Session | null) => void): void {
    findLiveSession(this.db, sessionIdHash(sessionId)).then((row) => {
      if (!row) return callback(null, null)
      try {
        callback(null, JSON.parse(row.data) as Session)
      } catch {
        callback(null, null)
      }
    }, callback)
  }

  destroy(sessionId: string, callback: Callback): void {
    deleteSession(this.db, sessionIdHash(sessionId)).then(() => callback(), callback)
  }
}
