// SQL for posts: sharedfile rows and their places in shakes (shakesharedfile).
import { type Kysely, sql } from 'kysely'
import { dbNow, fromDbDateTime, lockRow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import type { PostAudienceRow } from './favorites.js'
import { type KeysetWindow, pagedIds } from './keyset.js'
import { changeShakePostCount, shakesHolding } from './shake-counts.js'
import { type Sourcefile, toSourcefile } from './sourcefiles.js'

export interface Post {
  id: number
  userId: number
  userName: string
  /** Storage key of the poster's avatar, when they have one. */
  userAvatarKey: string | null
  /** The file's name as sent (already cleaned), '' for posts from before it was kept. */
  fileName: string
  title: string
  description: string
  altText: string
  contentType: string
  size: number
  parentId: number | null
  originalId: number | null
  likeCount: number
  saveCount: number
  viewCount: number
  commentCount: number
  /** For a saved copy: who posted the original (while their account is live). */
  originalUserName: string | null
  /** The first group shake the post was placed in, if any (a stream card names it). */
  groupShake: { name: string; title: string } | null
  createdAt: Date
  /** The image was flagged, or its poster is marked NSFW. */
  nsfw: boolean
  sourcefile: Sourcefile
}

export interface PostText {
  title: string
  description: string
  altText: string
}

function livePosts(db: Kysely<DB>) {
  return (
    db
      .selectFrom('sharedfile as p')
      .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
      .innerJoin('user as u', 'u.id', 'p.user_id')
      // A saved copy's original and its poster: two primary-key lookups.
      .leftJoin('sharedfile as o', 'o.id', 'p.original_id')
      .leftJoin('user as ou', (join) =>
        join.onRef('ou.id', '=', 'o.user_id').on('ou.deleted', '=', 0),
      )
      // The first group shake holding the post: a few rows of shakesharedfile_sharedfile_id, then
      // the shake by its key.
      .leftJoin('shake as gk', (join) =>
        join.on('gk.id', '=', (eb) =>
          eb
            .selectFrom('shakesharedfile as ss')
            .innerJoin('shake as k', 'k.id', 'ss.shake_id')
            .select('k.id')
            .whereRef('ss.sharedfile_id', '=', 'p.id')
            .where('ss.deleted', '=', 0)
            .where('k.type', '=', 'group')
            .where('k.deleted', '=', 0)
            .orderBy('ss.id')
            .limit(1),
        ),
      )
      .where('p.deleted', '=', 0)
      .where('u.deleted', '=', 0)
      .select([
        'ou.name as original_user_name',
        'gk.name as group_shake_name',
        'gk.title as group_shake_title',
        'p.comment_count',

        'p.id',
        'p.user_id',
        'u.name as user_name',
        'u.avatar_key as user_avatar_key',
        'p.name as file_name',
        'p.title',
        'p.description',
        'p.alt_text',
        'p.content_type',
        'p.size',
        'p.parent_id',
        'p.original_id',
        'p.like_count',
        'p.save_count',
        'p.view_count',
        'p.created_at',
        's.id as s_id',
        's.sha1',
        's.format',
        's.content_type as s_content_type',
        's.width',
        's.height',
        's.frames',
        's.upload_size',
        's.renditions',
        's.created_at as s_created_at',
        's.nsfw as s_nsfw',
        's.video_link',
        'u.nsfw as u_nsfw',
      ])
  )
}

type PostRow = Awaited<ReturnType<ReturnType<typeof livePosts>['executeTakeFirstOrThrow']>>

function toPost(row: PostRow): Post {
  return {
    id: row.id,
    userId: row.user_id,
    userName: row.user_name,
    userAvatarKey: row.user_avatar_key,
    fileName: row.file_name,
    title: row.title,
    description: row.description,
    altText: row.alt_text,
    contentType: row.content_type,
    size: row.size,
    parentId: row.parent_id,
    originalId: row.original_id,
    likeCount: row.like_count,
    saveCount: row.save_count,
    viewCount: row.view_count,
    commentCount: row.comment_count,
    originalUserName: row.original_user_name ?? null,
    groupShake: row.group_shake_name
      ? { name: row.group_shake_name, title: row.group_shake_title ?? row.group_shake_name }
      : null,
    createdAt: fromDbDateTime(row.created_at),
    nsfw: row.s_nsfw === 1 || row.u_nsfw === 1,
    sourcefile: toSourcefile({
      id: row.s_id,
      sha1: row.sha1,
      format: row.format,
      content_type: row.s_content_type,
      width: row.width,
      height: row.height,
      frames: row.frames,
      upload_size: row.upload_size,
      renditions: row.renditions,
      nsfw: row.s_nsfw,
      video_link: row.video_link,
      created_at: row.s_created_at,
    }),
  }
}

export async function findPost(db: Kysely<DB>, id: number): Promise<Post | undefined> {
  const row = await livePosts(db).where('p.id', '=', id).executeTakeFirst()
  return row && toPost(row)
}

/** A shake's posts, newest first, one page at a time (keyset paging on the post id). */
export async function listShakePosts(
  db: Kysely<DB>,
  shakeId: number,
  page: { beforeId?: number; afterId?: number; limit: number },
): Promise<Post[]> {
  let query = livePosts(db)
    .innerJoin('shakesharedfile as ss', 'ss.sharedfile_id', 'p.id')
    .where('ss.shake_id', '=', shakeId)
    .where('ss.deleted', '=', 0)
  // Keyed on the placement's column (equal to p.id), so the (shake, deleted, post) index
  // gives the order and the page stops after `limit` rows.
  if (page.beforeId !== undefined) query = query.where('ss.sharedfile_id', '<', page.beforeId)
  if (page.afterId !== undefined) query = query.where('ss.sharedfile_id', '>', page.afterId)
  // Paging forwards from "after" reads the oldest first, then flips the page.
  const rows = await query
    .orderBy('ss.sharedfile_id', page.afterId !== undefined ? 'asc' : 'desc')
    .limit(page.limit)
    .execute()
  if (page.afterId !== undefined) rows.reverse()
  return rows.map(toPost)
}

export async function insertPost(
  db: Kysely<DB>,
  values: PostText & {
    userId: number
    sourcefileId: number
    fileName: string
    contentType: string
    size: number
  },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('sharedfile')
    .values({
      user_id: values.userId,
      sourcefile_id: values.sourcefileId,
      name: values.fileName,
      title: values.title,
      description: values.description,
      alt_text: values.altText,
      content_type: values.contentType,
      size: values.size,
      parent_id: null,
      original_id: null,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  await changePostCount(db, values.userId, 1)
  return Number(result.insertId)
}

/**
 * The count of live posts kept on the poster's row, moved in the transaction that wrote the
 * post. The upload locked that row already (lockPoster): no new lock is taken.
 */
async function changePostCount(db: Kysely<DB>, userId: number, by: 1 | -1): Promise<void> {
  await db
    .updateTable('user')
    .set({ post_count: by > 0 ? sql`post_count + 1` : sql`post_count - 1` })
    .where('id', '=', userId)
    .$if(by < 0, (q) => q.where('post_count', '>', 0))
    .execute()
}

/** The user's live original posts of this sourcefile in this shake, newest first. */
function ownOriginalsInShake(
  db: Kysely<DB>,
  post: { userId: number; sourcefileId: number; shakeId: number },
) {
  return db
    .selectFrom('sharedfile as p')
    .innerJoin('shakesharedfile as k', 'k.sharedfile_id', 'p.id')
    .select('p.id')
    .where('p.user_id', '=', post.userId)
    .where('p.sourcefile_id', '=', post.sourcefileId)
    .where('p.parent_id', 'is', null)
    .where('p.deleted', '=', 0)
    .where('k.shake_id', '=', post.shakeId)
    .where('k.deleted', '=', 0)
    .orderBy('p.id', 'desc')
}

/**
 * The same user's post of the same image with the same text in the same shake since the given
 * time: a form sent twice. Call it after lockPoster, in the transaction that would insert.
 */
export async function findRepeatedPost(
  db: Kysely<DB>,
  post: PostText & { userId: number; sourcefileId: number; shakeId: number; since: string },
): Promise<number | undefined> {
  const row = await ownOriginalsInShake(db, post)
    .where('p.title', '=', post.title)
    .where('p.description', '=', post.description)
    .where('p.alt_text', '=', post.altText)
    .where('p.created_at', '>=', post.since)
    .executeTakeFirst()
  return row?.id
}

/**
 * The user's live original post of this sourcefile in this shake: posting the same video there
 * again answers with it instead of a new row. Call it after lockPoster, in the transaction.
 */
export async function findOwnPostInShake(
  db: Kysely<DB>,
  post: { userId: number; sourcefileId: number; shakeId: number },
): Promise<number | undefined> {
  return (await ownOriginalsInShake(db, post).executeTakeFirst())?.id
}

/** Serializes one user's posting (MySQL row lock; SQLite's writers are serial already). */
export function lockPoster(db: Kysely<DB>, userId: number): Promise<void> {
  return lockRow(db, 'user', userId)
}

export async function addPostToShake(
  db: Kysely<DB>,
  shakeId: number,
  postId: number,
): Promise<void> {
  await db
    .insertInto('shakesharedfile')
    .values({ shake_id: shakeId, sharedfile_id: postId, created_at: dbNow() })
    .execute()
  await changeShakePostCount(db, [shakeId], 1)
}

/**
 * Puts a post in a shake, or back in it if it was taken out. False when it is already there, so
 * the caller knows there is nothing to fan out.
 */
export async function placePostInShake(
  db: Kysely<DB>,
  shakeId: number,
  postId: number,
): Promise<boolean> {
  const placed = await db
    .selectFrom('shakesharedfile')
    .select(['id', 'deleted'])
    .where('shake_id', '=', shakeId)
    .where('sharedfile_id', '=', postId)
    .executeTakeFirst()
  if (placed?.deleted === 0) return false
  if (placed) {
    await db
      .updateTable('shakesharedfile')
      .set({ deleted: 0 })
      .where('id', '=', placed.id)
      .execute()
    await changeShakePostCount(db, [shakeId], 1)
  } else await addPostToShake(db, shakeId, postId)
  return true
}

/** Takes a post out of a shake. False when it was not in it. */
export async function takePostOutOfShake(
  db: Kysely<DB>,
  shakeId: number,
  postId: number,
): Promise<boolean> {
  const result = await db
    .updateTable('shakesharedfile')
    .set({ deleted: 1 })
    .where('shake_id', '=', shakeId)
    .where('sharedfile_id', '=', postId)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  if (result.numUpdatedRows === 0n) return false
  await changeShakePostCount(db, [shakeId], -1)
  return true
}

/** Adds views counted elsewhere (in memory, or in nginx's log) to a post's count. */
export async function addPostViews(db: Kysely<DB>, postId: number, views: number): Promise<void> {
  await db
    .updateTable('sharedfile')
    .set({ view_count: sql`view_count + ${views}` })
    .where('id', '=', postId)
    .execute()
}

/** Updates the text of a post the user owns. Returns false when there is no such post of theirs. */
export async function updatePostText(
  db: Kysely<DB>,
  id: number,
  userId: number,
  text: PostText,
): Promise<boolean> {
  const result = await db
    .updateTable('sharedfile')
    .set({
      title: text.title,
      description: text.description,
      alt_text: text.altText,
      updated_at: dbNow(),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Soft-deletes a post the user owns and takes it out of every shake. */
export async function deletePost(db: Kysely<DB>, id: number, userId: number): Promise<boolean> {
  const result = await db
    .updateTable('sharedfile')
    .set({ deleted: 1, updated_at: dbNow() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  if (result.numUpdatedRows === 0n) return false
  // The poster's row before the shakes' rows, the order a post and a follow take them in.
  await changePostCount(db, userId, -1)
  await changeShakePostCount(db, await shakesHolding(db, [id]), -1)
  await db
    .updateTable('shakesharedfile')
    .set({ deleted: 1 })
    .where('sharedfile_id', '=', id)
    .execute()
  return true
}

/** Bytes the user has posted since the given time (deleted posts count: the upload happened). */
export async function bytesPostedSince(
  db: Kysely<DB>,
  userId: number,
  since: string,
): Promise<number> {
  const row = await db
    .selectFrom('sharedfile')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('total'))
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow()
  return Number(row.total)
}

/** Live posts by id, in the order of the ids given. */
export async function findPosts(db: Kysely<DB>, ids: readonly number[]): Promise<Post[]> {
  if (ids.length === 0) return []
  const rows = await livePosts(db).where('p.id', 'in', ids).execute()
  const byId = new Map(rows.map((row) => [row.id, toPost(row)]))
  return ids.map((id) => byId.get(id)).filter((post): post is Post => post !== undefined)
}

/** A user's liked posts with their like ids, newest like first, keyset-paged on the like id. */
export async function likedPosts(
  db: Kysely<DB>,
  userId: number,
  page: { beforeId?: number; afterId?: number; limit: number },
): Promise<Array<{ favoriteId: number; post: Post }>> {
  let query = livePosts(db)
    .innerJoin('favorite as f', 'f.sharedfile_id', 'p.id')
    .select('f.id as favorite_id')
    .where('f.user_id', '=', userId)
  if (page.beforeId !== undefined) query = query.where('f.id', '<', page.beforeId)
  if (page.afterId !== undefined) query = query.where('f.id', '>', page.afterId)
  // Newer pages are read oldest first from the cursor, then shown newest first.
  const forwards = page.afterId !== undefined
  const rows = await query
    .orderBy('f.id', forwards ? 'asc' : 'desc')
    .limit(page.limit)
    .execute()
  const liked = rows.map((row) => ({ favoriteId: row.favorite_id, post: toPost(row) }))
  return forwards ? liked.reverse() : liked
}

/**
 * Newest originals (not saves) of people not marked NSFW, keyset-paged on the id; without
 * those of people the viewer blocked.
 */
export function incomingPostIds(
  db: Kysely<DB>,
  window: KeysetWindow,
  viewerId?: number,
): Promise<number[]> {
  let query = db
    .selectFrom('sharedfile as p')
    .innerJoin('user as u', 'u.id', 'p.user_id')
    .select('p.id')
    .where('p.original_id', 'is', null)
    .where('p.deleted', '=', 0)
    .where('u.deleted', '=', 0)
    .where('u.nsfw', '=', 0)
  if (viewerId !== undefined) query = query.where(notBlockedBy(viewerId, 'p.user_id'))
  return pagedIds(query, 'p.id', window)
}

/** Liked originals of the last days, with what the popularity score needs. */
export async function popularCandidates(
  db: Kysely<DB>,
  since: string,
  limit: number,
): Promise<Array<{ id: number; likeCount: number; createdAt: Date }>> {
  const rows = await db
    .selectFrom('sharedfile as p')
    .innerJoin('user as u', 'u.id', 'p.user_id')
    .select(['p.id', 'p.like_count', 'p.created_at'])
    .where('p.original_id', 'is', null)
    .where('p.deleted', '=', 0)
    .where('u.deleted', '=', 0)
    .where('p.like_count', '>', 0)
    .where('p.created_at', '>=', since)
    .orderBy('p.like_count', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    likeCount: r.like_count,
    createdAt: fromDbDateTime(r.created_at),
  }))
}

/** The live people whose live saves copy this post, the newest save first, at most `limit`. */
export function saversOf(
  db: Kysely<DB>,
  postId: number,
  limit: number,
): Promise<PostAudienceRow[]> {
  return db
    .selectFrom('sharedfile as p')
    .innerJoin('user as u', 'u.id', 'p.user_id')
    .select(['u.name', 'u.avatar_key as avatarKey', 'p.created_at as at'])
    .where('p.parent_id', '=', postId)
    .where('p.deleted', '=', 0)
    .where('u.deleted', '=', 0)
    .orderBy('p.id', 'desc')
    .limit(limit)
    .execute()
}

/** The user's existing save of a post into a shake, if any. */
export async function findSaveInShake(
  db: Kysely<DB>,
  userId: number,
  parentId: number,
  shakeId: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('sharedfile as p')
    .innerJoin('shakesharedfile as ss', 'ss.sharedfile_id', 'p.id')
    .select('p.id')
    .where('p.user_id', '=', userId)
    .where('p.parent_id', '=', parentId)
    .where('p.deleted', '=', 0)
    .where('ss.shake_id', '=', shakeId)
    .where('ss.deleted', '=', 0)
    .executeTakeFirst()
  return row?.id
}

export async function insertSavedPost(
  db: Kysely<DB>,
  values: { userId: number; from: Post },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('sharedfile')
    .values({
      user_id: values.userId,
      sourcefile_id: values.from.sourcefile.id,
      name: values.from.fileName,
      title: values.from.title,
      description: values.from.description,
      alt_text: values.from.altText,
      content_type: values.from.contentType,
      size: values.from.size,
      parent_id: values.from.id,
      original_id: values.from.originalId ?? values.from.id,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  await changePostCount(db, values.userId, 1)
  return Number(result.insertId)
}

/** Which of these posts the user has saved (a live post of theirs was saved from it). */
export async function savedAmong(
  db: Kysely<DB>,
  userId: number,
  postIds: readonly number[],
): Promise<Set<number>> {
  if (postIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('sharedfile')
    .select('parent_id')
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .where('parent_id', 'in', postIds)
    .execute()
  return new Set(rows.map((r) => Number(r.parent_id)))
}
