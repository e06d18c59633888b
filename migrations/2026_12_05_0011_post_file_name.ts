// The name of the file a post was made from, as MLTSHP's API gives it (`name` of a sharedfile):
// the uploaded file's name, or the last segment of the URL it was fetched from, already cleaned
// by the posting service. Posts from before this column have '' and are shown as KEY.ext.
// Frozen: never edit a migration that has shipped; add a new one.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sharedfile')
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sharedfile').dropColumn('name').execute()
}
