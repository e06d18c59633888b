// GIF video: animated GIFs get an MP4 and a poster (kept as renditions in sourcefile.renditions,
// so nothing new there), and each person chooses whether videos play by themselves.
// Frozen: never edit a migration that has shipped; add a new one.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('user')
    .addColumn('autoplay_video', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user').dropColumn('autoplay_video').execute()
}
