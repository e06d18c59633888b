// SQL for comments, their likes, and the conversations people take part in.
import { type Kysely, sql } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'

export interface Comment {
  id: number
  postId: number
  userId: number
  userName: string
  userAvatarKey: string | null
  body: string
  likeCount: number
  createdAt: Date
}

function liveComments(db: Kysely<DB>) {
  return db
    .selectFrom('comment as c')
    .innerJoin('user as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.sharedfile_id',
      'c.user_id',
      'u.name',
      'u.avatar_key',
      'c.body',
      'c.like_count',
      'c.created_at',
    ])
    .where('c.deleted', '=', 0)
    .where('u.deleted', '=', 0)
}

function toComment(
  row: Awaited<ReturnType<ReturnType<typeof liveComments>['executeTakeFirstOrThrow']>>,
): Comment {
  return {
    id: row.id,
    postId: row.sharedfile_id,
    userId: row.user_id,
    userName: row.name,
    userAvatarKey: row.avatar_key,
    body: row.body,
    likeCount: row.like_count,
    createdAt: fromDbDateTime(row.created_at),
  }
}

export async function insertComment(
  db: Kysely<DB>,
  values: { userId: number; postId: number; body: string },
): Promise<{ id: number; createdAt: Date }> {
  const now = dbNow()
  const result = await db
    .insertInto('comment')
    .values({
      user_id: values.userId,
      sharedfile_id: values.postId,
      body: values.body,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return { id: Number(result.insertId), createdAt: fromDbDateTime(now) }
}

export async function findComment(db: Kysely<DB>, id: number): Promise<Comment | undefined> {
  const row = await liveComments(db).where('c.id', '=', id).executeTakeFirst()
  return row && toComment(row)
}

/** A post's comments, oldest first; without those by people the viewer blocked. */
export async function commentsOfPost(
  db: Kysely<DB>,
  postId: number,
  viewerId?: number,
  limit = 500,
): Promise<Comment[]> {
  const rows = await liveComments(db)
    .where('c.sharedfile_id', '=', postId)
    .$if(viewerId !== undefined, (q) => q.where(notBlockedBy(viewerId as number, 'c.user_id')))
    .orderBy('c.id')
    .limit(limit)
    .execute()
  return rows.map(toComment)
}

export async function deleteComment(db: Kysely<DB>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('comment')
    .set({ deleted: 1, updated_at: dbNow() })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function insertCommentLike(
  db: Kysely<DB>,
  userId: number,
  commentId: number,
): Promise<boolean> {
  const result = await db
    .insertInto('comment_like')
    .values({ user_id: userId, comment_id: commentId, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return false
  await db
    .updateTable('comment')
    .set({ like_count: sql`like_count + 1` })
    .where('id', '=', commentId)
    .execute()
  return true
}

export async function deleteCommentLike(
  db: Kysely<DB>,
  userId: number,
  commentId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('comment_like')
    .where('user_id', '=', userId)
    .where('comment_id', '=', commentId)
    .executeTakeFirst()
  if (result.numDeletedRows === 0n) return false
  await db
    .updateTable('comment')
    .set({ like_count: sql`like_count - 1` })
    .where('id', '=', commentId)
    .where('like_count', '>', 0)
    .execute()
  return true
}

/** Makes the user a participant of the post's conversation (once). */
export async function joinConversation(
  db: Kysely<DB>,
  userId: number,
  postId: number,
): Promise<void> {
  const now = dbNow()
  await db
    .insertInto('conversation')
    .values({ user_id: userId, sharedfile_id: postId, created_at: now, updated_at: now })
    .ignore()
    .execute()
}

export async function setConversationMuted(
  db: Kysely<DB>,
  userId: number,
  postId: number,
  muted: boolean,
): Promise<void> {
  await db
    .updateTable('conversation')
    .set({ muted: muted ? 1 : 0, updated_at: dbNow() })
    .where('user_id', '=', userId)
    .where('sharedfile_id', '=', postId)
    .execute()
}

/** Posts whose conversation the user takes part in and has not muted, most recent comment first. */
export async function conversationPostIds(
  db: Kysely<DB>,
  userId: number,
  limit = 50,
): Promise<number[]> {
  // One step back through each conversation's comments (comment_sharedfile_id) for its
  // latest live one; a join read every comment of every conversation to group them.
  const rows = await db
    .selectFrom('conversation as v')
    .select((eb) => [
      'v.sharedfile_id',
      eb
        .selectFrom('comment as c')
        .select('c.id')
        .whereRef('c.sharedfile_id', '=', 'v.sharedfile_id')
        .where('c.deleted', '=', 0)
        .orderBy('c.id', 'desc')
        .limit(1)
        .as('last'),
    ])
    .where('v.user_id', '=', userId)
    .where('v.muted', '=', 0)
    .orderBy('last', 'desc')
    .limit(limit)
    .execute()
  // Conversations whose comments were all deleted sort last, and are not shown.
  return rows.filter((r) => r.last !== null).map((r) => r.sharedfile_id)
}

/** Comments that mention the user, newest first. */
export async function mentionsOf(db: Kysely<DB>, userName: string, limit = 50): Promise<Comment[]> {
  const rows = await db
    .selectFrom('notification as n')
    .innerJoin('user as r', 'r.id', 'n.receiver_id')
    .innerJoin('comment as c', 'c.id', 'n.action_id')
    .innerJoin('user as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.sharedfile_id',
      'c.user_id',
      'u.name',
      'u.avatar_key',
      'c.body',
      'c.like_count',
      'c.created_at',
    ])
    .where('n.type', '=', 'mention')
    .where('r.name', '=', userName)
    .where('c.deleted', '=', 0)
    // The comment's id is the notification's action_id: ordered by it, the receiver's mentions
    // are read off notification_receiver_type newest first and the read stops at the limit.
    .orderBy('n.action_id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(toComment)
}

/** Live comments per post, for the posts given (posts without comments are absent). */
export async function commentCounts(
  db: Kysely<DB>,
  postIds: readonly number[],
): Promise<Map<number, number>> {
  if (postIds.length === 0) return new Map()
  const rows = await liveComments(db)
    .clearSelect()
    .select(['c.sharedfile_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('c.sharedfile_id', 'in', postIds)
    .groupBy('c.sharedfile_id')
    .execute()
  return new Map(rows.map((r) => [r.sharedfile_id, Number(r.n)]))
}
