// SQL for server-side sessions. Ids arrive here already hashed.
import type { Kysely } from 'kysely'
import { dbNow, upsert } from '../db/dialect.js'
import { prepared } from '../db/prepared.js'
import type { DB, UserRow } from '../db/schema.js'
import { toUser, type User } from './users.js'

export interface StoredSession {
  userId: number | null
  data: string
  expiresAt: string
}

/** Live sessions joined to their signed-in users (live too: a deleted account's sessions sign no one in). */
function liveSessionsWithUsers(db: Kysely<DB>, now: string) {
  return db
    .selectFrom('session as s')
    .leftJoin('user as u', (join) => join.onRef('u.id', '=', 's.user_id').on('u.deleted', '=', 0))
    .select([
      's.id as session_id',
      's.user_id as session_user_id',
      's.data as session_data',
      's.expires_at as session_expires_at',
    ])
    .selectAll('u')
    .where('s.expires_at', '>', now)
}

export interface SessionWithUser {
  session: StoredSession
  user: User | undefined
}

function sessionWithUser(
  row: Awaited<ReturnType<ReturnType<typeof liveSessionsWithUsers>['executeTakeFirstOrThrow']>>,
): SessionWithUser {
  const { session_id, session_user_id, session_data, session_expires_at, ...user } = row
  return {
    session: { userId: session_user_id, data: session_data, expiresAt: session_expires_at },
    // The join matched no live user: every column of u is null.
    user: user.id === null ? undefined : toUser(user as UserRow),
  }
}

// Every request of a member runs it: compiled once (prepared.ts).
const liveSessionWithUser = prepared(2, (db, idHash: string, now: string) =>
  liveSessionsWithUsers(db, now).where('s.id', '=', idHash),
)

/** A live session and its signed-in user, in one statement: every request of a member needs both. */
export async function findLiveSessionWithUser(
  db: Kysely<DB>,
  idHash: string,
): Promise<SessionWithUser | undefined> {
  const row = await liveSessionWithUser.executeTakeFirst(db, idHash, dbNow())
  return row && sessionWithUser(row)
}

/** Many live sessions with their users in one statement, in the order asked (undefined: none). */
export async function findLiveSessionsWithUsers(
  db: Kysely<DB>,
  idHashes: readonly string[],
): Promise<Array<SessionWithUser | undefined>> {
  if (idHashes.length === 0) return []
  const rows = await liveSessionsWithUsers(db, dbNow())
    .where('s.id', 'in', [...new Set(idHashes)])
    .execute()
  const byId = new Map(rows.map((row) => [row.session_id, sessionWithUser(row)]))
  return idHashes.map((id) => byId.get(id))
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
