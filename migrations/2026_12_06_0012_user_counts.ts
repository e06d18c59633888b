// Counts kept on each person's row, so a profile shows them without counting: their live posts
// (originals and saves) and the shakes they follow. Each is filled from the rows it stands for.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('user')
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .alterTable('user')
    .addColumn('following_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update ${sql.table('user')} set
    post_count = (select count(*) from sharedfile p where p.user_id = ${sql.ref('user.id')} and p.deleted = 0),
    following_count = (select count(*) from subscription s where s.user_id = ${sql.ref('user.id')})`.execute(
    db,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user').dropColumn('following_count').execute()
  await db.schema.alterTable('user').dropColumn('post_count').execute()
}
