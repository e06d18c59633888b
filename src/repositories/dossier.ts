// SQL for a moderator's view of one person: counts, recent posts and comments, and what their
// sessions say (never the session ids themselves).
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export interface AccountCounts {
  posts: number
  deletedPosts: number
  comments: number
  uploadedBytes: number
  likesGiven: number
}

export interface SessionFacts {
  liveSessions: number
  lastSignIn: Date | null
  lastSeen: Date | null
}

export interface DossierComment {
  id: number
  postId: number
  body: string
  deleted: boolean
  createdAt: Date
}

export async function accountCounts(db: Kysely<DB>, userId: number): Promise<AccountCounts> {
  const posts = await db
    .selectFrom('sharedfile')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb.case().when('deleted', '=', 1).then(1).else(0).end()).as('deleted'),
      eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes'),
    ])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow()
  const comments = await db
    .selectFrom('comment')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow()
  const likes = await db
    .selectFrom('favorite')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow()
  const deletedPosts = Number(posts.deleted ?? 0)
  return {
    posts: Number(posts.n) - deletedPosts,
    deletedPosts,
    comments: Number(comments.n),
    uploadedBytes: Number(posts.bytes),
    likesGiven: Number(likes.n),
  }
}

/** Ids of the person's latest live posts (originals and saves), newest first. */
export async function recentPostIds(
  db: Kysely<DB>,
  userId: number,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('sharedfile')
    .select('id')
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => r.id)
}

/** The person's latest comments, deleted ones included (moderators see what was said). */
export async function recentComments(
  db: Kysely<DB>,
  userId: number,
  limit: number,
): Promise<DossierComment[]> {
  const rows = await db
    .selectFrom('comment')
    .select(['id', 'sharedfile_id', 'body', 'deleted', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    postId: r.sharedfile_id,
    body: r.body,
    deleted: r.deleted === 1,
    createdAt: fromDbDateTime(r.created_at),
  }))
}

export async function sessionFacts(db: Kysely<DB>, userId: number): Promise<SessionFacts> {
  const row = await db
    .selectFrom('session')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.max('created_at').as('last_sign_in'),
      eb.fn.max('updated_at').as('last_seen'),
    ])
    .where('user_id', '=', userId)
    .where('expires_at', '>', dbNow())
    .executeTakeFirstOrThrow()
  const date = (value: unknown) => (typeof value === 'string' ? fromDbDateTime(value) : null)
  return {
    liveSessions: Number(row.n),
    lastSignIn: date(row.last_sign_in),
    lastSeen: date(row.last_seen),
  }
}
