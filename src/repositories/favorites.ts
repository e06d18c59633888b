// SQL for likes (favorite rows). The counters they drive are in post-counters.ts.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import { prepared } from '../db/prepared.js'
import type { DB } from '../db/schema.js'

/** Someone who liked or saved a post, and when. */
export interface PostAudienceRow {
  name: string
  avatarKey: string | null
  at: string
}

/** The live people who liked a post, the newest like first, at most `limit`. */
export function likersOf(
  db: Kysely<DB>,
  postId: number,
  limit: number,
): Promise<PostAudienceRow[]> {
  return db
    .selectFrom('favorite as f')
    .innerJoin('user as u', 'u.id', 'f.user_id')
    .select(['u.name', 'u.avatar_key as avatarKey', 'f.created_at as at'])
    .where('f.sharedfile_id', '=', postId)
    .where('u.deleted', '=', 0)
    .orderBy('f.id', 'desc')
    .limit(limit)
    .execute()
}

/** What a like needs to know of its post, with the blocks between the liker and its owner. */
export interface LikeTarget {
  id: number
  userId: number
  parentId: number | null
  originalId: number | null
  /** Who posted the parent and the original: a like is never credited to the liker's own. */
  parentOwnerId: number | null
  originalOwnerId: number | null
  blocks: Array<{ userId: number; blockedUserId: number }>
}

/** Live posts (neither they nor their owners deleted) with what a like needs of each. */
function likeTargetRows(db: Kysely<DB>) {
  return db
    .selectFrom('sharedfile as p')
    .innerJoin('user as u', 'u.id', 'p.user_id')
    .leftJoin('sharedfile as parent', 'parent.id', 'p.parent_id')
    .leftJoin('sharedfile as original', 'original.id', 'p.original_id')
    .select([
      'p.id',
      'p.user_id',
      'p.parent_id',
      'p.original_id',
      'parent.user_id as parent_owner_id',
      'original.user_id as original_owner_id',
    ])
    .where('p.deleted', '=', 0)
    .where('u.deleted', '=', 0)
}

type LikeTargetRow = Awaited<
  ReturnType<ReturnType<typeof likeTargetRows>['executeTakeFirstOrThrow']>
>

/** A row as a LikeTarget, with the blocks that hold between the actor and its owner. */
function likeTarget(
  row: LikeTargetRow,
  actorId: number,
  actorBlocks: boolean,
  ownerBlocks: boolean,
): LikeTarget {
  const blocks: LikeTarget['blocks'] = []
  if (actorBlocks) blocks.push({ userId: actorId, blockedUserId: row.user_id })
  if (ownerBlocks) blocks.push({ userId: row.user_id, blockedUserId: actorId })
  return {
    id: row.id,
    userId: row.user_id,
    parentId: row.parent_id,
    originalId: row.original_id,
    parentOwnerId: row.parent_owner_id,
    originalOwnerId: row.original_owner_id,
    blocks,
  }
}

// Every like and unlike runs it: compiled once (prepared.ts).
const likeTargetWithBlocks = prepared(2, (db, postId: number, actorId: number) =>
  likeTargetRows(db)
    .select((eb) => [
      eb
        .exists(
          eb
            .selectFrom('user_block as b')
            .select('b.id')
            .where('b.user_id', '=', actorId)
            .whereRef('b.blocked_user_id', '=', 'p.user_id'),
        )
        .as('blocking'),
      eb
        .exists(
          eb
            .selectFrom('user_block as b')
            .select('b.id')
            .whereRef('b.user_id', '=', 'p.user_id')
            .where('b.blocked_user_id', '=', actorId),
        )
        .as('blocked_by'),
    ])
    .where('p.id', '=', postId),
)

/**
 * A live post as a like or unlike needs it, and whether the actor and the owner block each
 * other: one statement, where the post page's full read and the block check would be two.
 */
export async function findLikeTarget(
  db: Kysely<DB>,
  postId: number,
  actorId: number,
): Promise<LikeTarget | undefined> {
  const row = await likeTargetWithBlocks.executeTakeFirst(db, postId, actorId)
  return (
    row && likeTarget(row, actorId, Boolean(Number(row.blocking)), Boolean(Number(row.blocked_by)))
  )
}

/**
 * The like targets of many (post, actor) pairs at once, in two statements whatever their number:
 * the live posts, then the blocks between their owners and the actors. Undefined where the post
 * is missing or deleted, in the order asked.
 */
export async function findLikeTargets(
  db: Kysely<DB>,
  wanted: ReadonlyArray<{ postId: number; actorId: number }>,
): Promise<Array<LikeTarget | undefined>> {
  if (wanted.length === 0) return []
  const posts = await likeTargetRows(db)
    .where('p.id', 'in', [...new Set(wanted.map((w) => w.postId))])
    .execute()
  const byId = new Map(posts.map((p) => [p.id, p]))
  const owners = [...new Set(posts.map((p) => p.user_id))]
  const actors = [...new Set(wanted.map((w) => w.actorId))]
  const blockRows =
    owners.length === 0
      ? []
      : await db
          .selectFrom('user_block')
          .select(['user_id', 'blocked_user_id'])
          .where((eb) =>
            eb.or([
              eb.and([eb('user_id', 'in', actors), eb('blocked_user_id', 'in', owners)]),
              eb.and([eb('user_id', 'in', owners), eb('blocked_user_id', 'in', actors)]),
            ]),
          )
          .execute()
  const blocked = new Set(blockRows.map((b) => `${b.user_id}:${b.blocked_user_id}`))
  return wanted.map(({ postId, actorId }) => {
    const post = byId.get(postId)
    return (
      post &&
      likeTarget(
        post,
        actorId,
        blocked.has(`${actorId}:${post.user_id}`),
        blocked.has(`${post.user_id}:${actorId}`),
      )
    )
  })
}

/** Adds the like; false when the user already liked the post (one row per user and post). */
export async function insertFavorite(
  db: Kysely<DB>,
  userId: number,
  postId: number,
): Promise<boolean> {
  const result = await db
    .insertInto('favorite')
    .values({ user_id: userId, sharedfile_id: postId, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function deleteFavorite(
  db: Kysely<DB>,
  userId: number,
  postId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('favorite')
    .where('user_id', '=', userId)
    .where('sharedfile_id', '=', postId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** The users of these likes, by post: a batch's rows are found post by post on the unique key. */
function usersByPost(likes: ReadonlyArray<{ userId: number; postId: number }>) {
  const users = new Map<number, number[]>()
  for (const like of likes) users.set(like.postId, [...(users.get(like.postId) ?? []), like.userId])
  return users
}

/** Which of these (user, post) likes exist, as `user:post` strings. */
export async function existingLikes(
  db: Kysely<DB>,
  likes: ReadonlyArray<{ userId: number; postId: number }>,
): Promise<Set<string>> {
  if (likes.length === 0) return new Set()
  const rows = await db
    .selectFrom('favorite')
    .select(['user_id', 'sharedfile_id'])
    .where((eb) =>
      eb.or(
        [...usersByPost(likes)].map(([postId, userIds]) =>
          eb.and([eb('sharedfile_id', '=', postId), eb('user_id', 'in', userIds)]),
        ),
      ),
    )
    .execute()
  return new Set(rows.map((r) => `${r.user_id}:${r.sharedfile_id}`))
}

/** Adds likes known to be new, in one statement. */
export async function insertFavorites(
  db: Kysely<DB>,
  likes: ReadonlyArray<{ userId: number; postId: number }>,
): Promise<void> {
  if (likes.length === 0) return
  const now = dbNow()
  await db
    .insertInto('favorite')
    .values(likes.map((l) => ({ user_id: l.userId, sharedfile_id: l.postId, created_at: now })))
    .execute()
}

/** Removes likes known to exist, in one statement. */
export async function deleteFavorites(
  db: Kysely<DB>,
  likes: ReadonlyArray<{ userId: number; postId: number }>,
): Promise<void> {
  if (likes.length === 0) return
  await db
    .deleteFrom('favorite')
    .where((eb) =>
      eb.or(
        [...usersByPost(likes)].map(([postId, userIds]) =>
          eb.and([eb('sharedfile_id', '=', postId), eb('user_id', 'in', userIds)]),
        ),
      ),
    )
    .execute()
}

/** Which of these posts the user has liked. */
export async function likedAmong(
  db: Kysely<DB>,
  userId: number,
  postIds: readonly number[],
): Promise<Set<number>> {
  if (postIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('favorite')
    .select('sharedfile_id')
    .where('user_id', '=', userId)
    .where('sharedfile_id', 'in', postIds)
    .execute()
  return new Set(rows.map((r) => r.sharedfile_id))
}
