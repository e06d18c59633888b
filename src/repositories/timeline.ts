// SQL for the friend timeline (table `post`) and the follow graph it is built from.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import { type KeysetWindow, pagedIds } from './keyset.js'
import { notMutedBy } from './mutes.js'

export interface TimelineEntry {
  sharedfileId: number
  sourcefileId: number
  shakeId: number
}

/**
 * Puts the post in each user's timeline, unless the user already has it, or already has the
 * same image from another post (a save of something they saw is not shown twice).
 */
export async function addToTimelines(
  db: Kysely<DB>,
  userIds: readonly number[],
  entry: TimelineEntry,
): Promise<number> {
  let added = 0
  for (const userId of userIds) {
    const seen = await db
      .selectFrom('post')
      .select('id')
      .where('user_id', '=', userId)
      .where('sourcefile_id', '=', entry.sourcefileId)
      .executeTakeFirst()
    if (seen) continue
    const result = await db
      .insertInto('post')
      .values({
        user_id: userId,
        sharedfile_id: entry.sharedfileId,
        sourcefile_id: entry.sourcefileId,
        shake_id: entry.shakeId,
        created_at: dbNow(),
      })
      .ignore()
      .executeTakeFirst()
    added += Number(result.numInsertedOrUpdatedRows ?? 0n)
  }
  return added
}

/** Where a post stands: its shakes (live placements only). */
export async function shakesOfPost(db: Kysely<DB>, postId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('shakesharedfile')
    .select('shake_id')
    .where('sharedfile_id', '=', postId)
    .where('deleted', '=', 0)
    .execute()
  return rows.map((r) => r.shake_id)
}

export async function subscriberIds(db: Kysely<DB>, shakeId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('subscription')
    .select('user_id')
    .where('shake_id', '=', shakeId)
    .execute()
  return rows.map((r) => r.user_id)
}

/**
 * Post ids of a user's timeline, newest first, keyset-paged on the post id; without the posts of
 * people the user blocked or muted, or of shakes the user muted.
 */
export function timelinePostIds(
  db: Kysely<DB>,
  userId: number,
  window: KeysetWindow,
): Promise<number[]> {
  const query = db
    .selectFrom('post as t')
    .innerJoin('sharedfile as p', 'p.id', 't.sharedfile_id')
    .select('t.sharedfile_id as id')
    .where('t.user_id', '=', userId)
    .where('p.deleted', '=', 0)
    .where(notBlockedBy(userId, 'p.user_id'))
    .where(notMutedBy(userId, 'user', 'p.user_id'))
    .where(notMutedBy(userId, 'shake', 't.shake_id'))
  return pagedIds(query, 't.sharedfile_id', window)
}
