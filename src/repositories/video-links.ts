// SQL for video-link posts: which post of a user already shows a video in a shake.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/**
 * The user's live original post of this sourcefile in this shake: posting the same video there
 * again answers with it instead of a new row. Call it after lockPoster, in the transaction.
 */
export async function findOwnPostInShake(
  db: Kysely<DB>,
  post: { userId: number; sourcefileId: number; shakeId: number },
): Promise<number | undefined> {
  const row = await db
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
    .executeTakeFirst()
  return row?.id
}
