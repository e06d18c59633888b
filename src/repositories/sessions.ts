// SQL for server-side sessions. Ids arrive here already hashed.
import type { Kysely } from 'kysely'
import { dbNow, upsert } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export interface StoredSession {
  userId: number | null
  data: string
  expiresAt: string
}

export async function findLiveSession(
  db: Kysely<DB>,
  idHash: string,
): Promise<StoredSession | undefined> {
  const row = await db
    .selectFrom('session')
    .select(['user_id', 'data', 'expires_at'])
    .where('id', '=', idHash)
    .where('expires_at', '>', dbNow())
    .executeTakeFirst()
  return row && { userId: row.user_id, data: row.data, expiresAt: row.expires_at }
}

export async function saveSession(
  db: Kysely<DB>,
  idHash: string,
  session: StoredSession,
): Promise<void> {
  const now = dbNow()
  await upsert(
    db,
    db.insertInto('session').values({
      id: idHash,
      user_id: session.userId,
      data: session.data,
      expires_at: session.expiresAt,
      created_at: now,
      updated_at: now,
    }),
    ['id'],
    { user_id: session.userId, data: session.data, expires_at: session.expiresAt, updated_at: now },
  ).execute()
}

export async function deleteSession(db: Kysely<DB>, idHash: string): Promise<void> {
  await db.deleteFrom('session').where('id', '=', idHash).execute()
}

/** Signs a user out everywhere, except the session given (the one making the change). */
export async function deleteUserSessions(
  db: Kysely<DB>,
  userId: number,
  exceptIdHash?: string,
): Promise<void> {
  let query = db.deleteFrom('session').where('user_id', '=', userId)
  if (exceptIdHash) query = query.where('id', '!=', exceptIdHash)
  await query.execute()
}

export async function deleteExpiredSessions(db: Kysely<DB>): Promise<number> {
  const result = await db
    .deleteFrom('session')
    .where('expires_at', '<=', dbNow())
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
