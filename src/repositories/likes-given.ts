// The count of likes each person has given (user.like_count), moved in the transaction of every
// like and unlike, and taken down when the posts liked are erased. A profile reads it instead of
// counting the person's likes.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import { addToCounts } from './counter-deltas.js'

/** Moves each person's count by their delta, in one statement; a count never goes below zero. */
export function changeLikesGiven(
  db: Kysely<DB>,
  deltas: ReadonlyMap<number, number>,
): Promise<void> {
  return addToCounts(db, { table: 'user', column: 'like_count' }, deltas)
}

/**
 * Takes the likes of these posts off their likers' counts, before the like rows go (posts
 * erased with their poster's account: a rare act, its cost that of the posts' likes).
 */
export async function forgetLikesOf(db: Kysely<DB>, postIds: readonly number[]): Promise<void> {
  if (postIds.length === 0) return
  const ofPosts = sql`(select count(*) from favorite f
    where f.user_id = ${sql.ref('user.id')} and f.sharedfile_id in (${sql.join(postIds)}))`
  await sql`update ${sql.table('user')}
    set like_count = case when like_count > ${ofPosts} then like_count - ${ofPosts} else 0 end
    where id in (select user_id from favorite where sharedfile_id in (${sql.join(postIds)}))`.execute(
    db,
  )
}
