// SQL for sourcefile: one row per distinct upload (by SHA-1 of its bytes).
import type { Kysely } from 'kysely'
import { dbNow, lockedForWrite } from '../db/dialect.js'
import type { DB, ImageFormat, SourcefileRow } from '../db/schema.js'

export interface Rendition {
  name: string
  key: string
  width: number
  height: number
  size: number
  /**
   * The format it is stored in: avif, webp, jpeg, png or gif. Absent on renditions stored
   * before formats varied within an image (and on videos): the sourcefile's format.
   */
  format?: ImageFormat | 'avif'
}

/** One rendition per name and format: a width is stored in AVIF, WebP and its fallback. */
export const renditionSlot = (r: Pick<Rendition, 'name' | 'format'>) =>
  `${r.name}.${r.format ?? ''}`

/**
 * What we keep about the video of a video-link post (sourcefile.video_link, JSON): checked
 * facts only, never the provider's HTML. The thumbnail is the sourcefile's renditions.
 */
export interface VideoLink {
  provider: 'youtube' | 'vimeo'
  /** The provider's id of the video, checked against its pattern before it was kept. */
  id: string
  /** The canonical address (https://www.youtube.com/watch?v=ID, https://vimeo.com/ID). */
  url: string
  title: string
  authorName: string
  /** The player's size as the provider gave it, when it did. */
  width: number | null
  height: number | null
}

export interface Sourcefile {
  id: number
  sha1: string
  format: ImageFormat
  contentType: string
  width: number
  height: number
  frames: number
  renditions: Rendition[]
  /** Set when the sourcefile is a video link: the video; its renditions are the thumbnail. */
  videoLink?: VideoLink
}

export function toSourcefile(
  row: Omit<SourcefileRow, 'taken_down_at' | 'video_link'> & { video_link?: string | null },
): Sourcefile {
  return {
    id: row.id,
    sha1: row.sha1,
    format: row.format,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
    frames: row.frames,
    renditions: JSON.parse(row.renditions) as Rendition[],
    ...(row.video_link ? { videoLink: JSON.parse(row.video_link) as VideoLink } : {}),
  }
}

export async function findSourcefileBySha1(
  db: Kysely<DB>,
  sha1: string,
): Promise<Sourcefile | undefined> {
  const row = await db
    .selectFrom('sourcefile')
    .selectAll()
    .where('sha1', '=', sha1)
    .executeTakeFirst()
  return row && toSourcefile(row)
}

export async function insertSourcefile(
  db: Kysely<DB>,
  values: Omit<Sourcefile, 'id'> & { uploadSize: number },
): Promise<number> {
  const result = await db
    .insertInto('sourcefile')
    .values({
      sha1: values.sha1,
      format: values.format,
      content_type: values.contentType,
      width: values.width,
      height: values.height,
      frames: values.frames,
      upload_size: values.uploadSize,
      renditions: JSON.stringify(values.renditions),
      video_link: values.videoLink ? JSON.stringify(values.videoLink) : null,
      created_at: dbNow(),
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

export async function findSourcefileById(
  db: Kysely<DB>,
  id: number,
): Promise<Sourcefile | undefined> {
  const row = await db.selectFrom('sourcefile').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toSourcefile(row)
}

/** Adds renditions made later (a GIF's video, the modern formats), replacing any of the same
 * name and format, and drops the `removed` ones (every format of those names). Call it in a transaction: the row is locked (MySQL) between the read and the
 * write. */
export async function addRenditions(
  trx: Kysely<DB>,
  id: number,
  added: readonly Rendition[],
  removed: readonly string[] = [],
): Promise<boolean> {
  const row = await trx
    .selectFrom('sourcefile')
    .select(['renditions', 'taken_down_at'])
    .where('id', '=', id)
    .$call((q) => lockedForWrite(trx, q))
    .executeTakeFirst()
  // A takedown removes the files; nothing made after it may come back.
  if (!row || row.taken_down_at !== null) return false
  const slots = new Set(added.map(renditionSlot))
  const kept = (JSON.parse(row.renditions) as Rendition[]).filter(
    (r) => !slots.has(renditionSlot(r)) && !removed.includes(r.name),
  )
  await trx
    .updateTable('sourcefile')
    .set({ renditions: JSON.stringify([...kept, ...added]) })
    .where('id', '=', id)
    .execute()
  return true
}

/** The next still images (not animations, not taken down) after `afterId`, in id order. */
export async function stillSourcefilesAfter(
  db: Kysely<DB>,
  afterId: number,
  limit: number,
): Promise<Sourcefile[]> {
  const rows = await db
    .selectFrom('sourcefile')
    .selectAll()
    .where('id', '>', afterId)
    .where('taken_down_at', 'is', null)
    .where('frames', '=', 1)
    .where('format', '!=', 'gif')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => toSourcefile(row))
}
