// The count of live posts kept on each shake's row, so the shake directory shows it without
// counting a shake's placements. Filled from the placements it stands for.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('shake')
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update shake set post_count =
    (select count(*) from shakesharedfile ss where ss.shake_id = shake.id and ss.deleted = 0)`.execute(
    db,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shake').dropColumn('post_count').execute()
}
