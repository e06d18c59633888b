import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

/** Marks the post as having reached the like threshold; a second call changes nothing. */
export async function insertMagicfile(db: Kysely<DB>, postId: number): Promise<void> {
  await db
    .insertInto('magicfile')
    .values({ sharedfile_id: postId, created_at: dbNow() })
    .ignore()
    .execute()
}

export async function isMagic(db: Kysely<DB>, postId: number): Promise<boolean> {
  const row = await db
    .selectFrom('magicfile')
    .select('id')
    .where('sharedfile_id', '=', postId)
    .executeTakeFirst()
  return row !== undefined
}
