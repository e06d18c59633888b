// The count of live posts kept on each shake's row (shake.post_count), moved by every statement
// that places a post in a shake or takes it out, in that statement's transaction. The directory
// reads it instead of counting a shake's placements, which grows with the shake.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

/** Moves the count of each shake by `by`; a count never goes below zero. */
export async function changeShakePostCount(
  db: Kysely<DB>,
  shakeIds: readonly number[],
  by: 1 | -1,
): Promise<void> {
  if (shakeIds.length === 0) return
  await db
    .updateTable('shake')
    .set({ post_count: by > 0 ? sql`post_count + 1` : sql`post_count - 1` })
    .where('id', 'in', shakeIds)
    .$if(by < 0, (q) => q.where('post_count', '>', 0))
    .execute()
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
