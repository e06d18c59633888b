import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import type { KeysetWindow } from './keyset.js'

/** Marks the post as having reached the like threshold; a second call changes nothing. */
export async function insertMagicfile(db: Kysely<DB>, postId: number): Promise<void> {
  await insertMagicfiles(db, [postId])
}

/** Marks posts as having reached the like threshold, in one statement. */
export async function insertMagicfiles(db: Kysely<DB>, postIds: readonly number[]): Promise<void> {
  if (postIds.length === 0) return
  const now = dbNow()
  await db
    .insertInto('magicfile')
    .values(postIds.map((id) => ({ sharedfile_id: id, created_at: now })))
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

/** Posts that reached the like threshold, latest first, keyset-paged on the magicfile id. */
export async function magicfilePage(
  db: Kysely<DB>,
  window: KeysetWindow,
): Promise<Array<{ magicId: number; postId: number }>> {
  let query = db
    .selectFrom('magicfile as m')
    .innerJoin('sharedfile as p', 'p.id', 'm.sharedfile_id')
    .select(['m.id as magicId', 'm.sharedfile_id as postId'])
    .where('p.deleted', '=', 0)
  if (window.beforeId !== undefined) query = query.where('m.id', '<', window.beforeId)
  if (window.afterId !== undefined) query = query.where('m.id', '>', window.afterId)
  const forwards = window.afterId !== undefined
  const rows = await query
    .orderBy('m.id', forwards ? 'asc' : 'desc')
    .limit(window.limit)
    .execute()
  return forwards ? rows.reverse() : rows
}
