// SQL for taking an image down: the image marked for good, every post of it removed from
// every shake and timeline.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { recountShakePosts, shakesHolding } from './shake-counts.js'
import type { Rendition } from './sourcefiles.js'

export interface ImageOfPost {
  sourcefileId: number
  sha1: string
  renditionKeys: string[]
  posterId: number
  takenDown: boolean
}

/** The image behind a post id, whether or not the post (or the image) is still live. */
export async function findImageOfPost(
  db: Kysely<DB>,
  postId: number,
): Promise<ImageOfPost | undefined> {
  const row = await db
    .selectFrom('sharedfile as p')
    .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
    .select(['s.id', 's.sha1', 's.renditions', 's.taken_down_at', 'p.user_id'])
    .where('p.id', '=', postId)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    sourcefileId: row.id,
    sha1: row.sha1,
    renditionKeys: (JSON.parse(row.renditions) as Rendition[]).map((r) => r.key),
    posterId: row.user_id,
    takenDown: row.taken_down_at !== null,
  }
}

/** Marks the image taken down and soft-deletes every live post of it. Returns how many. */
export async function takeDownImage(db: Kysely<DB>, sourcefileId: number): Promise<number> {
  const now = dbNow()
  await db
    .updateTable('sourcefile')
    .set({ taken_down_at: now })
    .where('id', '=', sourcefileId)
    .where('taken_down_at', 'is', null)
    .execute()
  const postsOfImage = db
    .selectFrom('sharedfile')
    .select('id')
    .where('sourcefile_id', '=', sourcefileId)
  const removed = await db
    .updateTable('sharedfile')
    .set({ deleted: 1, updated_at: now })
    .where('sourcefile_id', '=', sourcefileId)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  const shakes = await shakesHolding(
    db,
    (await postsOfImage.execute()).map((p) => p.id),
  )
  await db
    .updateTable('shakesharedfile')
    .set({ deleted: 1 })
    .where('sharedfile_id', 'in', postsOfImage)
    .where('deleted', '=', 0)
    .execute()
  await db.deleteFrom('post').where('sourcefile_id', '=', sourcefileId).execute()
  await db.deleteFrom('magicfile').where('sharedfile_id', 'in', postsOfImage).execute()
  // Everyone who had posted the image has a post fewer: counted again (a rare, operator's act).
  await db
    .updateTable('user')
    .set((eb) => ({
      post_count: eb
        .selectFrom('sharedfile as p')
        .select((p) => p.fn.countAll<number>().as('n'))
        .whereRef('p.user_id', '=', 'user.id')
        .where('p.deleted', '=', 0),
    }))
    .where(
      'id',
      'in',
      db.selectFrom('sharedfile').select('user_id').where('sourcefile_id', '=', sourcefileId),
    )
    .execute()
  await recountShakePosts(db, shakes)
  return Number(removed.numUpdatedRows)
}

export async function isImageTakenDown(db: Kysely<DB>, sha1: string): Promise<boolean> {
  const row = await db
    .selectFrom('sourcefile')
    .select('id')
    .where('sha1', '=', sha1)
    .where('taken_down_at', 'is not', null)
    .executeTakeFirst()
  return row !== undefined
}

/** Whether the post with this id existed and its image was taken down. */
export async function isPostTakenDown(db: Kysely<DB>, postId: number): Promise<boolean> {
  const row = await db
    .selectFrom('sharedfile as p')
    .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
    .select('p.id')
    .where('p.id', '=', postId)
    .where('s.taken_down_at', 'is not', null)
    .executeTakeFirst()
  return row !== undefined
}
