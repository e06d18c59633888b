// SQL for the posts' like, save and comment counters: kept by the writes (moved in one
// statement, never read-modify-write), and counted again from the rows to find and mend drift.
// Every statement takes a set of post ids and reads their rows by index, so a page of posts
// costs the same at any size of the site.
import { type Kysely, sql } from 'kysely'
import { addReportingOne, lockedForWrite } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { addToCounts } from './counter-deltas.js'

export interface Counters {
  likeCount: number
  saveCount: number
}

/** Adds each post's own delta to one of its counters, in one statement, never below zero. */
export function addToPostCounters(
  db: Kysely<DB>,
  column: 'like_count' | 'comment_count',
  deltas: ReadonlyMap<number, number>,
): Promise<void> {
  return addToCounts(db, { table: 'sharedfile', column }, deltas)
}

/**
 * Adds delta to a counter of each post, in one statement (never read-modify-write), and
 * returns the counter of `reportedId` as this statement left it, in the statement's own answer
 * (dialect.ts). The statement takes the rows' write locks (in id order, so concurrent callers
 * queue instead of deadlocking). A decrement leaves a counter already at zero alone.
 */
export function bumpCounter(
  db: Kysely<DB>,
  column: 'like_count' | 'save_count',
  postIds: readonly number[],
  delta: 1 | -1,
  reportedId: number,
): Promise<number> {
  return addReportingOne(db, {
    table: 'sharedfile',
    column,
    ids: postIds,
    delta,
    reportedId,
    condition: delta < 0 ? sql`and ${sql.ref(column)} > 0` : sql``,
  })
}

/**
 * The posts' like counters, read first in a transaction that will change them: MySQL locks the
 * rows (in id order, so two such transactions never wait on each other crosswise); SQLite's
 * transaction fails with SQLITE_BUSY, to be tried again, if another writer commits first.
 */
export async function lockLikeCounts(
  db: Kysely<DB>,
  postIds: readonly number[],
): Promise<Map<number, number>> {
  if (postIds.length === 0) return new Map()
  const query = db
    .selectFrom('sharedfile')
    .select(['id', 'like_count'])
    .where('id', 'in', postIds)
    .orderBy('id')
  const rows = await lockedForWrite(db, query).execute()
  return new Map(rows.map((r) => [r.id, r.like_count]))
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

export interface StoredCounters {
  id: number
  likeCount: number
  saveCount: number
}

function storedCounters(db: Kysely<DB>) {
  return db.selectFrom('sharedfile').select(['id', 'like_count', 'save_count'])
}

function toStored(rows: ReadonlyArray<{ id: number; like_count: number; save_count: number }>) {
  return rows.map((r) => ({ id: r.id, likeCount: r.like_count, saveCount: r.save_count }))
}

/** The posts after `afterId`, in id order, with their counters as stored. */
export async function countersAfter(
  db: Kysely<DB>,
  afterId: number,
  limit: number,
): Promise<StoredCounters[]> {
  return toStored(
    await storedCounters(db).where('id', '>', afterId).orderBy('id').limit(limit).execute(),
  )
}

/** These posts' counters as stored. */
export async function countersOf(
  db: Kysely<DB>,
  postIds: readonly number[],
): Promise<StoredCounters[]> {
  if (postIds.length === 0) return []
  return toStored(await storedCounters(db).where('id', 'in', postIds).execute())
}

function sums(rows: ReadonlyArray<{ id: number | null; n: number | string | bigint }>) {
  const counted = new Map<number, number>()
  for (const row of rows) {
    if (row.id === null) continue
    counted.set(row.id, (counted.get(row.id) ?? 0) + Number(row.n))
  }
  return counted
}

/**
 * The likes each post is credited with: likes of itself and of the posts saved from it (as
 * parent, or as original when that is not also the parent), except its own poster's.
 */
export async function countedLikesOf(
  db: Kysely<DB>,
  postIds: readonly number[],
): Promise<Map<number, number>> {
  if (postIds.length === 0) return new Map()
  const ids = sql.join(postIds)
  const { rows } = await sql<{ id: number; n: number }>`
    select f.sharedfile_id as id, count(*) as n from favorite f
      inner join sharedfile t on t.id = f.sharedfile_id
      where f.sharedfile_id in (${ids}) and f.user_id <> t.user_id
      group by f.sharedfile_id
    union all
    select s.parent_id as id, count(*) as n from sharedfile s
      inner join favorite f on f.sharedfile_id = s.id
      inner join sharedfile t on t.id = s.parent_id
      where s.parent_id in (${ids}) and f.user_id <> t.user_id
      group by s.parent_id
    union all
    select s.original_id as id, count(*) as n from sharedfile s
      inner join favorite f on f.sharedfile_id = s.id
      inner join sharedfile t on t.id = s.original_id
      where s.original_id in (${ids}) and s.parent_id <> s.original_id and f.user_id <> t.user_id
      group by s.original_id`.execute(db)
  return sums(rows)
}

/** The saves each post is credited with: live posts saved from it (as parent or original). */
export async function countedSavesOf(
  db: Kysely<DB>,
  postIds: readonly number[],
): Promise<Map<number, number>> {
  if (postIds.length === 0) return new Map()
  const ids = sql.join(postIds)
  const { rows } = await sql<{ id: number; n: number }>`
    select parent_id as id, count(*) as n from sharedfile
      where deleted = 0 and parent_id in (${ids})
      group by parent_id
    union all
    select original_id as id, count(*) as n from sharedfile
      where deleted = 0 and original_id in (${ids}) and parent_id <> original_id
      group by original_id`.execute(db)
  return sums(rows)
}

export async function countedLikes(db: Kysely<DB>, postId: number): Promise<number> {
  return (await countedLikesOf(db, [postId])).get(postId) ?? 0
}

export async function countedSaves(db: Kysely<DB>, postId: number): Promise<number> {
  return (await countedSavesOf(db, [postId])).get(postId) ?? 0
}

/** Sets one counter of each post given. */
export async function setCounter(
  db: Kysely<DB>,
  column: 'like_count' | 'save_count',
  values: ReadonlyMap<number, number>,
): Promise<void> {
  for (const [id, value] of values) {
    await db
      .updateTable('sharedfile')
      .set({ [column]: value })
      .where('id', '=', id)
      .execute()
  }
}
