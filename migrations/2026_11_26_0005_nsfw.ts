// NSFW: a flag on the image (every post of it is covered), a log of who flagged what, and
// nothing new on users (user.nsfw and user.show_naked_people exist since the first migration).
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``
  await db.schema
    .alterTable('sourcefile')
    .addColumn('nsfw', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createTable('nsfw_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('sourcefile_id', 'integer', (c) => c.notNull().references('sourcefile.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('nsfw_log_unique', ['user_id', 'sourcefile_id'])
    .modifyEnd(tableOptions)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('nsfw_log').execute()
  await db.schema.alterTable('sourcefile').dropColumn('nsfw').execute()
}
