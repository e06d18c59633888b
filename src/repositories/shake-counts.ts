// Counts kept on each shake's row, which the directory reads instead of counting a shake's rows
// (a read that grows with the shake): its followers, moved by every follow (subscriptions.ts),
// and its live posts, moved by every statement that places a post in a shake or takes it out,
// in that statement's transaction. Its members are counted again by each membership write
// (memberships.ts).
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

/**
 * Moves a count kept on each shake's row (its followers, kept by subscriptions.ts; its posts)
 * by one, in one statement; a count never goes below zero.
 */
export async function changeShakeCount(
  db: Kysely<DB>,
  column: 'follower_count' | 'post_count',
  shakeIds: readonly number[],
  by: 1 | -1,
): Promise<void> {
  if (shakeIds.length === 0) return
  const ref = sql.ref(column)
  await db
    .updateTable('shake')
    .set({ [column]: by > 0 ? sql`${ref} + 1` : sql`${ref} - 1` })
    .where('id', 'in', shakeIds)
    .$if(by < 0, (q) => q.where(column, '>', 0))
    .execute()
}

/** Moves the count of live posts of each shake by `by`. */
export function changeShakePostCount(
  db: Kysely<DB>,
  shakeIds: readonly number[],
  by: 1 | -1,
): Promise<void> {
  return changeShakeCount(db, 'post_count', shakeIds, by)
}

/** The shakes that hold any of these posts now (live placements). */
export async function shakesHolding(db: Kysely<DB>, postIds: readonly number[]): Promise<number[]> {
  if (postIds.length === 0) return []
  const rows = await db
    .selectFrom('shakesharedfile')
    .select('shake_id')
    .distinct()
    .where('sharedfile_id', 'in', postIds)
    .where('deleted', '=', 0)
    .execute()
  return rows.map((r) => r.shake_id)
}

/**
 * Counts these shakes' live placements again: after a removal of many posts at once (a
 * takedown, an erased account), rare acts whose cost may grow with the shakes they touch.
 */
export async function recountShakePosts(
  db: Kysely<DB>,
  shakeIds: readonly number[],
): Promise<void> {
  if (shakeIds.length === 0) return
  await db
    .updateTable('shake')
    .set((eb) => ({
      post_count: eb
        .selectFrom('shakesharedfile as ss')
        .select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('ss.shake_id', '=', 'shake.id')
        .where('ss.deleted', '=', 0),
    }))
    .where('id', 'in', shakeIds)
    .execute()
}
