// The count of likes each person has given, kept on their row, so a profile shows it without
// counting their likes (a read that grows with the person). Filled from the like rows.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('user')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update ${sql.table('user')} set
    like_count = (select count(*) from favorite f where f.user_id = ${sql.ref('user.id')})`.execute(
    db,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user').dropColumn('like_count').execute()
}
