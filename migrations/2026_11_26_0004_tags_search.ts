// Tags (#word in descriptions) and full-text search over posts: a FULLTEXT index on MySQL,
// an FTS5 table kept in step by triggers on SQLite.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  await db.schema
    .createTable('tag')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('tag_name_unique', ['name'])
    .modifyEnd(tableOptions)
    .execute()

  await db.schema
    .createTable('tagged_file')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('tag_id', 'integer', (c) => c.notNull().references('tag.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('tagged_file_unique', ['tag_id', 'sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('tagged_file_sharedfile')
    .on('tagged_file')
    .column('sharedfile_id')
    .execute()

  if (mysql) {
    await sql`create fulltext index sharedfile_fulltext on sharedfile (title, description, alt_text)`.execute(
      db,
    )
    return
  }
  await sql`create virtual table sharedfile_fts using fts5(
    title, description, alt_text,
    content='sharedfile', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
  )`.execute(db)
  await sql`create trigger sharedfile_fts_insert after insert on sharedfile begin
    insert into sharedfile_fts(rowid, title, description, alt_text)
    values (new.id, new.title, new.description, new.alt_text);
  end`.execute(db)
  await sql`create trigger sharedfile_fts_delete after delete on sharedfile begin
    insert into sharedfile_fts(sharedfile_fts, rowid, title, description, alt_text)
    values ('delete', old.id, old.title, old.description, old.alt_text);
  end`.execute(db)
  await sql`create trigger sharedfile_fts_update after update of title, description, alt_text on sharedfile begin
    insert into sharedfile_fts(sharedfile_fts, rowid, title, description, alt_text)
    values ('delete', old.id, old.title, old.description, old.alt_text);
    insert into sharedfile_fts(rowid, title, description, alt_text)
    values (new.id, new.title, new.description, new.alt_text);
  end`.execute(db)
  await sql`insert into sharedfile_fts(sharedfile_fts) values ('rebuild')`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  if (mysql) {
    await sql`drop index sharedfile_fulltext on sharedfile`.execute(db)
  } else {
    for (const trigger of [
      'sharedfile_fts_insert',
      'sharedfile_fts_delete',
      'sharedfile_fts_update',
    ]) {
      await sql`drop trigger ${sql.raw(trigger)}`.execute(db)
    }
    await sql`drop table sharedfile_fts`.execute(db)
  }
  await db.schema.dropTable('tagged_file').execute()
  await db.schema.dropTable('tag').execute()
}
