// SQL for comments, their likes, and the conversations people take part in.
import { type Kysely, sql } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import { addToPostCounters } from './post-counters.js'

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

export interface NewComment {
  userId: number
  postId: number
  body: string
}

/**
 * Adds comments, each post's count moved once for all of its new comments. The posts' rows come
 * first: a comment's foreign key would take a shared lock on its post, and two transactions each
 * upgrading theirs to write the count deadlock.
 */
export async function insertComments(
  db: Kysely<DB>,
  comments: readonly NewComment[],
): Promise<Array<{ id: number; createdAt: Date }>> {
  const added = new Map<number, number>()
  for (const c of comments) added.set(c.postId, (added.get(c.postId) ?? 0) + 1)
  await addToPostCounters(db, 'comment_count', added)
  const now = dbNow()
  const written = []
  // One statement each: a multi-row insert does not say every id it gave on MySQL.
  for (const c of comments) {
    const result = await db
      .insertInto('comment')
      .values({
        user_id: c.userId,
        sharedfile_id: c.postId,
        body: c.body,
        created_at: now,
        updated_at: now,
      })
      .executeTakeFirstOrThrow()
    written.push({ id: Number(result.insertId), createdAt: fromDbDateTime(now) })
  }
  return written
}

export async function findComment(db: Kysely<DB>, id: number): Promise<Comment | undefined> {
  const row = await liveComments(db).where('c.id', '=', id).executeTakeFirst()
  return row && toComment(row)
}

export interface CommentPage {
  /** Oldest first, as the thread reads. */
  comments: Comment[]
  /** Whether live comments older than the first one shown remain. */
  older: boolean
}

/**
 * A page of a post's comments: the newest `limit` (before the comment id given, if any), shown
 * oldest first; without those by people the viewer blocked. Read newest first off
 * comment_sharedfile_id, so a long thread costs one page.
 */
export async function commentsOfPost(
  db: Kysely<DB>,
  postId: number,
  options: { viewerId?: number; before?: number; limit: number },
): Promise<CommentPage> {
  const { viewerId, before, limit } = options
  const rows = await liveComments(db)
    .where('c.sharedfile_id', '=', postId)
    .$if(before !== undefined, (q) => q.where('c.id', '<', before as number))
    .$if(viewerId !== undefined, (q) => q.where(notBlockedBy(viewerId as number, 'c.user_id')))
    .orderBy('c.id', 'desc')
    .limit(limit + 1)
    .execute()
  return { comments: rows.slice(0, limit).reverse().map(toComment), older: rows.length > limit }
}

/** How many live comments of the post are newer than this one, counting at most `upTo`. */
export async function newerCommentsUpTo(
  db: Kysely<DB>,
  comment: { id: number; postId: number },
  upTo: number,
): Promise<number> {
  const rows = await db
    .selectFrom('comment')
    .select('id')
    .where('sharedfile_id', '=', comment.postId)
    .where('id', '>', comment.id)
    .where('deleted', '=', 0)
    .limit(upTo)
    .execute()
  return rows.length
}

/** Deletes a live comment: the post's count and its conversations' latest comment follow. */
export async function deleteComment(
  db: Kysely<DB>,
  comment: { id: number; postId: number },
): Promise<boolean> {
  const result = await db
    .updateTable('comment')
    .set({ deleted: 1, updated_at: dbNow() })
    .where('id', '=', comment.id)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  if (result.numUpdatedRows === 0n) return false
  await addToPostCounters(db, 'comment_count', new Map([[comment.postId, -1]]))
  await lowerConversationLatest(db, [comment.postId])
  return true
}

/** Erases every comment the user wrote (account erasure), keeping the kept values right. */
export async function deleteCommentsOf(db: Kysely<DB>, userId: number): Promise<void> {
  const perPost = await db
    .selectFrom('comment')
    .select(['sharedfile_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .groupBy('sharedfile_id')
    .execute()
  await db.deleteFrom('comment').where('user_id', '=', userId).execute()
  for (let i = 0; i < perPost.length; i += 500) {
    const chunk = perPost.slice(i, i + 500)
    await addToPostCounters(
      db,
      'comment_count',
      new Map(chunk.map((row) => [row.sharedfile_id, -Number(row.n)])),
    )
    await lowerConversationLatest(
      db,
      chunk.map((row) => row.sharedfile_id),
    )
  }
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

/** The post's latest live comment: one step back through comment_sharedfile_id. */
async function latestLiveComment(db: Kysely<DB>, postId: number): Promise<number | null> {
  const row = await db
    .selectFrom('comment')
    .select('id')
    .where('sharedfile_id', '=', postId)
    .where('deleted', '=', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.id ?? null
}

/**
 * Raises the latest comment kept on every conversation of the post to the post's latest live
 * comment. Only ever raises, so runs that overlap in any order end on the newest; run after the
 * participants joined, it reaches them too.
 */
export async function raiseConversationLatest(db: Kysely<DB>, postId: number): Promise<void> {
  const latest = await latestLiveComment(db, postId)
  if (latest === null) return
  await db
    .updateTable('conversation')
    .set({ last_comment_id: latest })
    .where('sharedfile_id', '=', postId)
    .where((eb) => eb.or([eb('last_comment_id', 'is', null), eb('last_comment_id', '<', latest)]))
    .execute()
}

/**
 * After comments were deleted: conversations of these posts whose latest comment is no longer
 * live take the latest one that is (none: null, and /conversations leaves them out).
 */
async function lowerConversationLatest(db: Kysely<DB>, postIds: readonly number[]): Promise<void> {
  if (postIds.length === 0) return
  await db
    .updateTable('conversation')
    .set((eb) => ({
      last_comment_id: eb
        .selectFrom('comment as c')
        .select((inner) => inner.fn.max('c.id').as('latest'))
        .whereRef('c.sharedfile_id', '=', 'conversation.sharedfile_id')
        .where('c.deleted', '=', 0),
    }))
    .where('sharedfile_id', 'in', postIds)
    .where((eb) =>
      eb.or([
        eb('last_comment_id', 'is', null),
        eb.not(
          eb.exists(
            eb
              .selectFrom('comment as l')
              .select('l.id')
              .whereRef('l.id', '=', 'conversation.last_comment_id')
              .where('l.deleted', '=', 0),
          ),
        ),
      ]),
    )
    .execute()
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
  // The latest comment is kept on each conversation: the page is read off
  // conversation_user_latest newest first and stops at the limit. Conversations without a live
  // comment (null) are not shown.
  const rows = await db
    .selectFrom('conversation')
    .select('sharedfile_id')
    .where('user_id', '=', userId)
    .where('muted', '=', 0)
    .where('last_comment_id', 'is not', null)
    .orderBy('last_comment_id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => r.sharedfile_id)
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

/** Live comments per post, as kept on the posts given (posts without comments are absent). */
/** The post each of the live comments among `ids` is on. */
export async function postsOfComments(
  db: Kysely<DB>,
  ids: readonly number[],
): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('comment')
    .select(['id', 'sharedfile_id'])
    .where('id', 'in', [...new Set(ids)])
    .where('deleted', '=', 0)
    .execute()
  return new Map(rows.map((r) => [r.id, r.sharedfile_id]))
}
