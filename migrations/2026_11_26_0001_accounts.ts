// Users, their personal shakes, server-side sessions and one-time tokens.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  // Names and emails are unique ignoring case: MySQL through the table collation,
  // SQLite through NOCASE on the column (names are ASCII; emails are stored lower-cased).
  const nocase = mysql ? sql`` : sql`collate nocase`
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  await db.schema
    .createTable('user')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'varchar(30)', (c) => c.notNull().modifyEnd(nocase))
    .addColumn('email', 'varchar(255)', (c) => c.notNull().modifyEnd(nocase))
    .addColumn('hashed_password', 'varchar(255)', (c) => c.notNull())
    .addColumn('full_name', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('about', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('website', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('email_confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('profile_image', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('nsfw', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recommended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('restricted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('show_naked_people', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disable_notifications', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('user_name_unique', ['name'])
    .addUniqueConstraint('user_email_unique', ['email'])
    .modifyEnd(tableOptions)
    .execute()

  await db.schema
    .createTable('shake')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(30)', (c) => c.notNull().modifyEnd(nocase))
    .addColumn('title', 'varchar(128)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('image', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recommended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('featured', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('shake_name_unique', ['name'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('shake_user_id_type')
    .on('shake')
    .columns(['user_id', 'type'])
    .execute()

  await db.schema
    .createTable('session')
    // SHA-256 of the session id from the cookie: a leaked table cannot be replayed.
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.references('user.id').onDelete('cascade'))
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'datetime', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema.createIndex('session_user_id').on('session').column('user_id').execute()
  await db.schema.createIndex('session_expires_at').on('session').column('expires_at').execute()

  await db.schema
    .createTable('user_token')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    // SHA-256 of the token sent by mail; the token itself is never stored.
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('email', 'varchar(255)')
    .addColumn('expires_at', 'datetime', (c) => c.notNull())
    .addColumn('used_at', 'datetime')
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('user_token_hash_unique', ['token_hash'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('user_token_user_purpose')
    .on('user_token')
    .columns(['user_id', 'purpose'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_token').execute()
  await db.schema.dropTable('session').execute()
  await db.schema.dropTable('shake').execute()
  await db.schema.dropTable('user').execute()
}
