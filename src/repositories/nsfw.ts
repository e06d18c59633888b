// SQL for NSFW flags: on images (all their posts) and on users.
import type { Kysely } from 'kysely'
import { dbNow, toFlag } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

/** Flags the image of a post, logging who did it (once per user and image). */
export async function flagImage(
  db: Kysely<DB>,
  userId: number,
  postId: number,
  sourcefileId: number,
): Promise<void> {
  await db
    .insertInto('nsfw_log')
    .values({
      user_id: userId,
      sharedfile_id: postId,
      sourcefile_id: sourcefileId,
      created_at: dbNow(),
    })
    .ignore()
    .execute()
  await db.updateTable('sourcefile').set({ nsfw: 1 }).where('id', '=', sourcefileId).execute()
}

export async function setUserNsfw(db: Kysely<DB>, userId: number, nsfw: boolean): Promise<void> {
  await db
    .updateTable('user')
    .set({ nsfw: toFlag(nsfw), updated_at: dbNow() })
    .where('id', '=', userId)
    .execute()
}

export async function setShowNsfw(db: Kysely<DB>, userId: number, show: boolean): Promise<void> {
  await db
    .updateTable('user')
    .set({ show_naked_people: toFlag(show), updated_at: dbNow() })
    .where('id', '=', userId)
    .execute()
}
