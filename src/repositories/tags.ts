// SQL for tags and the posts they are on.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import { type KeysetWindow, pagedIds } from './keyset.js'

/** Makes the post's tags exactly these names. */
export async function setPostTags(
  db: Kysely<DB>,
  postId: number,
  names: readonly string[],
): Promise<void> {
  const now = dbNow()
  if (names.length > 0) {
    await db
      .insertInto('tag')
      .values(names.map((name) => ({ name, created_at: now })))
      .ignore()
      .execute()
  }
  const tags =
    names.length > 0
      ? await db.selectFrom('tag').select('id').where('name', 'in', names).execute()
      : []
  const keep = tags.map((t) => t.id)
  let stale = db.deleteFrom('tagged_file').where('sharedfile_id', '=', postId)
  if (keep.length > 0) stale = stale.where('tag_id', 'not in', keep)
  await stale.execute()
  if (keep.length > 0) {
    await db
      .insertInto('tagged_file')
      .values(keep.map((tagId) => ({ tag_id: tagId, sharedfile_id: postId, created_at: now })))
      .ignore()
      .execute()
  }
}

export async function tagsOfPost(db: Kysely<DB>, postId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('tagged_file as tf')
    .innerJoin('tag as t', 't.id', 'tf.tag_id')
    .select('t.name')
    .where('tf.sharedfile_id', '=', postId)
    .orderBy('t.name')
    .execute()
  return rows.map((r) => r.name)
}

/** Posts with the tag, newest first, keyset-paged on the post id. */
export function taggedPostIds(
  db: Kysely<DB>,
  name: string,
  window: KeysetWindow,
  viewerId?: number,
): Promise<number[]> {
  let query = db
    .selectFrom('tagged_file as tf')
    .innerJoin('tag as t', 't.id', 'tf.tag_id')
    .innerJoin('sharedfile as p', 'p.id', 'tf.sharedfile_id')
    .select('p.id')
    .where('t.name', '=', name)
    .where('p.deleted', '=', 0)
  if (viewerId !== undefined) query = query.where(notBlockedBy(viewerId, 'p.user_id'))
  return pagedIds(query, 'tf.sharedfile_id', window)
}
