// SQL for what a data export contains: the user's posts (with their original files), comments,
// likes and follows, as plain rows.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Rendition } from './sourcefiles.js'

export interface ExportedPost {
  id: number
  title: string
  description: string
  altText: string
  createdAt: string
  likeCount: number
  saveCount: number
  viewCount: number
  savedFromId: number | null
  sourcefileId: number
  format: string
  contentType: string
  original: Rendition | undefined
  renditions: Rendition[]
}

export async function postsForExport(db: Kysely<DB>, userId: number): Promise<ExportedPost[]> {
  const rows = await db
    .selectFrom('sharedfile as p')
    .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
    .select([
      'p.id',
      'p.title',
      'p.description',
      'p.alt_text',
      'p.created_at',
      'p.like_count',
      'p.save_count',
      'p.view_count',
      'p.parent_id',
      's.id as sourcefile_id',
      's.format',
      's.content_type',
      's.renditions',
    ])
    .where('p.user_id', '=', userId)
    .where('p.deleted', '=', 0)
    .orderBy('p.id')
    .execute()
  return rows.map((r) => {
    const renditions = JSON.parse(r.renditions) as Rendition[]
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      altText: r.alt_text,
      createdAt: r.created_at,
      likeCount: r.like_count,
      saveCount: r.save_count,
      viewCount: r.view_count,
      savedFromId: r.parent_id,
      sourcefileId: r.sourcefile_id,
      format: r.format,
      contentType: r.content_type,
      original: renditions.find((x) => x.name === 'original'),
      renditions,
    }
  })
}

export async function commentsForExport(db: Kysely<DB>, userId: number) {
  return db
    .selectFrom('comment')
    .select(['id', 'sharedfile_id as postId', 'body', 'created_at as createdAt'])
    .where('user_id', '=', userId)
    .where('deleted', '=', 0)
    .orderBy('id')
    .execute()
}

export async function likesForExport(db: Kysely<DB>, userId: number) {
  return db
    .selectFrom('favorite as f')
    .innerJoin('sharedfile as p', 'p.id', 'f.sharedfile_id')
    .innerJoin('user as u', 'u.id', 'p.user_id')
    .select(['f.sharedfile_id as postId', 'u.name as postedBy', 'f.created_at as likedAt'])
    .where('f.user_id', '=', userId)
    .orderBy('f.id')
    .execute()
}

/** Shakes the user follows, and the people following the user's shakes. */
export async function followsForExport(db: Kysely<DB>, userId: number) {
  const following = await db
    .selectFrom('subscription as s')
    .innerJoin('shake as k', 'k.id', 's.shake_id')
    .select(['k.name as shake', 'k.type', 's.created_at as since'])
    .where('s.user_id', '=', userId)
    .orderBy('s.id')
    .execute()
  const followers = await db
    .selectFrom('subscription as s')
    .innerJoin('shake as k', 'k.id', 's.shake_id')
    .innerJoin('user as u', 'u.id', 's.user_id')
    .select(['u.name as user', 'k.name as shake', 's.created_at as since'])
    .where('k.user_id', '=', userId)
    .where('u.deleted', '=', 0)
    .orderBy('s.id')
    .execute()
  return { following, followers }
}
