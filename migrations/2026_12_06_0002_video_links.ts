// Posts of a video by its link (MLKSHK's /tools/save-video). As on MLTSHP, such a video is a
// sourcefile whose sha1 is the SHA-1 of the video's canonical URL (so the unique sha1 index
// dedups it) and whose renditions are our copy of its thumbnail; this column holds what we
// keep about the video (provider, id, canonical URL, title, author, size) as JSON. NULL for
// images. Provider HTML is never kept.
// Frozen: never edit a migration that has shipped; add a new one.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sourcefile').addColumn('video_link', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sourcefile').dropColumn('video_link').execute()
}
