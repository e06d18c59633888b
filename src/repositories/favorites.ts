// SQL for likes (favorite rows) and the like counters they drive.
import { type Kysely, sql } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

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

/** Adds delta to a counter of each post, in one statement (never read-modify-write). */
export async function adjustCounter(
  db: Kysely<DB>,
  column: 'like_count' | 'save_count',
  postIds: readonly number[],
  delta: 1 | -1,
): Promise<void> {
  if (postIds.length === 0) return
  let query = db
    .updateTable('sharedfile')
    .set({ [column]: sql`${sql.ref(column)} + ${delta}` })
    .where('id', 'in', postIds)
  if (delta < 0) query = query.where(column, '>', 0)
  await query.execute()
}

export interface Counters {
  likeCount: number
  saveCount: number
}

/**
 * Locks the posts' rows for the rest of the transaction, in id order so that two transactions
 * never wait on each other, and returns their counters as locked (MySQL). SQLite has a single
 * writer and takes no lock here: the map is empty.
 */
export async function lockCounters(
  db: Kysely<DB>,
  postIds: readonly number[],
  mysql: boolean,
): Promise<Map<number, Counters>> {
  if (!mysql || postIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('sharedfile')
    .select(['id', 'like_count', 'save_count'])
    .where('id', 'in', postIds)
    .orderBy('id')
    .forUpdate()
    .execute()
  return new Map(rows.map((r) => [r.id, { likeCount: r.like_count, saveCount: r.save_count }]))
}

/** A post's counters as the current transaction sees them (SQLite: after its own writes). */
export async function readCounters(db: Kysely<DB>, postId: number): Promise<Counters> {
  const row = await db
    .selectFrom('sharedfile')
    .select(['like_count', 'save_count'])
    .where('id', '=', postId)
    .executeTakeFirst()
  return { likeCount: row?.like_count ?? 0, saveCount: row?.save_count ?? 0 }
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

/**
 * Likes a post is credited with, counted from the rows: likes of itself and of the posts saved
 * from it (as parent or original).
 */
export async function countedLikes(db: Kysely<DB>, postId: number): Promise<number> {
  const row = await db
    .selectFrom('favorite as f')
    .innerJoin('sharedfile as s', 's.id', 'f.sharedfile_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      eb.or([
        eb('s.id', '=', postId),
        eb('s.parent_id', '=', postId),
        eb('s.original_id', '=', postId),
      ]),
    )
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Sets like_count to the counted likes. Returns how many posts had drifted and were corrected. */
export async function recountLikes(db: Kysely<DB>, postIds: readonly number[]): Promise<number> {
  let fixed = 0
  for (const id of postIds) {
    const counted = await countedLikes(db, id)
    const result = await db
      .updateTable('sharedfile')
      .set({ like_count: counted })
      .where('id', '=', id)
      .where('like_count', '!=', counted)
      .executeTakeFirst()
    fixed += Number(result.numUpdatedRows)
  }
  return fixed
}

/** Posts whose counters the reconciler should check: any with likes or saves, or counts. */
export async function postsWithCounts(db: Kysely<DB>, limit: number): Promise<number[]> {
  const liked = db.selectFrom('favorite').select('sharedfile_id as id')
  const counted = db
    .selectFrom('sharedfile')
    .select('id')
    .where((eb) => eb.or([eb('like_count', '>', 0), eb('save_count', '>', 0)]))
  const parents = db
    .selectFrom('sharedfile')
    .select((eb) => eb.fn.coalesce('parent_id', eb.lit(0)).as('id'))
    .where('parent_id', 'is not', null)
  const rows = await liked.union(counted).union(parents).limit(limit).execute()
  return rows.map((r) => Number(r.id)).filter((id) => id > 0)
}
