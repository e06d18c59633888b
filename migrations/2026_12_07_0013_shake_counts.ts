// Counts kept on each shake's row, so the shake directory shows them without counting a shake's
// rows: its live posts and its members. Each is filled from the rows it stands for.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('shake')
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .alterTable('shake')
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update shake set
    post_count = (select count(*) from shakesharedfile ss where ss.shake_id = shake.id and ss.deleted = 0),
    member_count = (select count(*) from shake_manager m where m.shake_id = shake.id)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shake').dropColumn('member_count').execute()
  await db.schema.alterTable('shake').dropColumn('post_count').execute()
}
