// Posts: sourcefile (one distinct upload, by SHA-1 of its bytes), sharedfile (a post pointing
// at a sourcefile), shakesharedfile (a post shown in a shake), and the user's avatar.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  await db.schema
    .createTable('sourcefile')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // SHA-1 of the uploaded bytes, lower-case hex: the dedup key.
    .addColumn('sha1', 'varchar(40)', (c) => c.notNull())
    .addColumn('format', 'varchar(8)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('frames', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('upload_size', 'integer', (c) => c.notNull())
    // JSON list of the stored renditions: name, key, width, height, size.
    .addColumn('renditions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('sourcefile_sha1_unique', ['sha1'])
    .modifyEnd(tableOptions)
    .execute()

  await db.schema
    .createTable('sharedfile')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sourcefile_id', 'integer', (c) => c.notNull().references('sourcefile.id'))
    .addColumn('title', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('alt_text', 'text', (c) => c.notNull())
    .addColumn('content_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    // Saves: the post this one was saved from, and the first post of the chain.
    .addColumn('parent_id', 'integer')
    .addColumn('original_id', 'integer')
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('save_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('sharedfile_user_id')
    .on('sharedfile')
    .columns(['user_id', 'id'])
    .execute()
  await db.schema
    .createIndex('sharedfile_user_created')
    .on('sharedfile')
    .columns(['user_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('sharedfile_sourcefile_id')
    .on('sharedfile')
    .column('sourcefile_id')
    .execute()
  await db.schema
    .createIndex('sharedfile_original_id')
    .on('sharedfile')
    .column('original_id')
    .execute()

  await db.schema
    .createTable('shakesharedfile')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('shake_id', 'integer', (c) => c.notNull().references('shake.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('shakesharedfile_unique', ['shake_id', 'sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('shakesharedfile_sharedfile_id')
    .on('shakesharedfile')
    .column('sharedfile_id')
    .execute()

  await db.schema.alterTable('user').addColumn('avatar_key', 'varchar(128)').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('user').dropColumn('avatar_key').execute()
  await db.schema.dropTable('shakesharedfile').execute()
  await db.schema.dropTable('sharedfile').execute()
  await db.schema.dropTable('sourcefile').execute()
}
