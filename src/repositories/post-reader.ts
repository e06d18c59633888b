// What a post's page needs to know about its reader, in one query rather than one per fact.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

export interface ReaderOfPost {
  liked: boolean
  /** The reader blocked the poster. */
  authorBlocked: boolean
}

export async function readerOfPost(
  db: Kysely<DB>,
  readerId: number,
  post: { id: number; userId: number },
): Promise<ReaderOfPost> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(
          eb
            .selectFrom('favorite')
            .select('id')
            .where('user_id', '=', readerId)
            .where('sharedfile_id', '=', post.id),
        )
        .as('liked'),
      eb
        .exists(
          eb
            .selectFrom('user_block')
            .select('id')
            .where('user_id', '=', readerId)
            .where('blocked_user_id', '=', post.userId),
        )
        .as('blocked'),
    ])
    .executeTakeFirstOrThrow()
  return { liked: Boolean(Number(row.liked)), authorBlocked: Boolean(Number(row.blocked)) }
}
