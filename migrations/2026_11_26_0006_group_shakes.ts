// Group shakes: members who may post, invitations and requests to join, and the shake image.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  // Members of a group shake (besides its owner): they may post to it.
  await db.schema
    .createTable('shake_manager')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('shake_id', 'integer', (c) => c.notNull().references('shake.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('shake_manager_unique', ['shake_id', 'user_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema.createIndex('shake_manager_user').on('shake_manager').column('user_id').execute()

  // An owner's invitation (kind invite) or a user's request to join (kind request).
  await db.schema
    .createTable('membership_request')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('shake_id', 'integer', (c) => c.notNull().references('shake.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('membership_request_unique', ['shake_id', 'user_id', 'kind'])
    .modifyEnd(tableOptions)
    .execute()

  // Storage key prefix of the shake's image renditions (KEY-96.jpg, KEY-568.jpg).
  await db.schema.alterTable('shake').addColumn('image_key', 'varchar(128)').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shake').dropColumn('image_key').execute()
  await db.schema.dropTable('membership_request').execute()
  await db.schema.dropTable('shake_manager').execute()
}
