// Privacy: blocks, mutes (of a user or a shake) and data exports.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  // user_id has blocked blocked_user_id.
  await db.schema
    .createTable('user_block')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('blocked_user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('user_block_unique', ['user_id', 'blocked_user_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('user_block_blocked')
    .on('user_block')
    .column('blocked_user_id')
    .execute()

  // user_id has muted a user or a shake (kind), whose id is target_id.
  await db.schema
    .createTable('user_mute')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('user_mute_unique', ['user_id', 'kind', 'target_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('user_mute_target')
    .on('user_mute')
    .columns(['kind', 'target_id'])
    .execute()

  // A ZIP of a user's data, built by a job; storage_key is set once it is ready.
  await db.schema
    .createTable('data_export')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('storage_key', 'varchar(200)')
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('expires_at', 'datetime')
    .modifyEnd(tableOptions)
    .execute()
  await db.schema.createIndex('data_export_user').on('data_export').column('user_id').execute()
  await db.schema
    .createIndex('data_export_expires')
    .on('data_export')
    .column('expires_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('data_export').execute()
  await db.schema.dropTable('user_mute').execute()
  await db.schema.dropTable('user_block').execute()
}
