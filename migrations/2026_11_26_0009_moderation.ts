// Moderation: a role on every user (member, moderator, admin) instead of the is_admin flag,
// images taken down for good, a log of what moderators did, and reports from members.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  // admin: the operators (queues, health) and everything moderators do; moderator: moderation.
  await db.schema
    .alterTable('user')
    .addColumn('role', 'varchar(16)', (c) => c.notNull().defaultTo('member'))
    .execute()
  await sql`update ${sql.table('user')} set role = 'admin' where is_admin = 1`.execute(db)
  await db.schema.alterTable('user').dropColumn('is_admin').execute()
  await db.schema.createIndex('user_role').on('user').column('role').execute()

  // A taken-down image: its files are gone and the same bytes may not be posted again.
  await db.schema.alterTable('sourcefile').addColumn('taken_down_at', 'datetime').execute()

  await db.schema
    .createTable('moderation_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('moderator_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.references('user.id'))
    .addColumn('sourcefile_id', 'integer', (c) => c.references('sourcefile.id'))
    .addColumn('shake_id', 'integer', (c) => c.references('shake.id'))
    .addColumn('report_id', 'integer')
    .addColumn('detail', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('note', 'varchar(1000)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('moderation_log_target_user')
    .on('moderation_log')
    .column('target_user_id')
    .execute()

  // is_open is 1 while the report waits and NULL once settled: the unique key then allows one
  // open report per reporter and target, and any number of settled ones (NULLs never clash).
  await db.schema
    .createTable('report')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('reporter_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('reason', 'varchar(32)', (c) => c.notNull())
    .addColumn('note', 'varchar(1000)', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('open'))
    .addColumn('is_open', 'integer')
    .addColumn('settled_by', 'integer', (c) => c.references('user.id'))
    .addColumn('settled_note', 'varchar(1000)', (c) => c.notNull().defaultTo(''))
    .addColumn('settled_at', 'datetime')
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('report_one_open', ['reporter_id', 'target_type', 'target_id', 'is_open'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema.createIndex('report_status').on('report').columns(['status', 'id']).execute()
  await db.schema.createIndex('report_target_user').on('report').column('target_user_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  await db.schema.dropTable('report').execute()
  await db.schema.dropTable('moderation_log').execute()
  await db.schema.alterTable('sourcefile').dropColumn('taken_down_at').execute()
  await db.schema
    .alterTable('user')
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update ${sql.table('user')} set is_admin = 1 where role = 'admin'`.execute(db)
  const dropRoleIndex = db.schema.dropIndex('user_role')
  await (mysql ? dropRoleIndex.on('user') : dropRoleIndex).execute()
  await db.schema.alterTable('user').dropColumn('role').execute()
}
