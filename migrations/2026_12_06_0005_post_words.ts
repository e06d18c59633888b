// Post search reads an index of words instead of a full-text index: the query-plan test
// (test/integration/query-plans.test.ts) found that a FULLTEXT match hands over every post
// holding a word, to be sorted, so a common word cost more as the site grew. post_word keeps
// each original post's words (title, description, alt text); a search reads the newest posts of
// each word off an index range that stops at its limit, on both databases. The MySQL FULLTEXT
// index and the SQLite FTS5 table it replaces are dropped (every post write paid for them).
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('post_word')
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('word', 'varchar(40)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    // Rows are written in post order (the clustered key); words are compared exactly, as they
    // were cut (a case-insensitive collation would make "resume" and "résumé" one key).
    .addPrimaryKeyConstraint('post_word_pk', ['sharedfile_id', 'word'])
    .modifyEnd(isMysql(db) ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``)
    .execute()
  await fillPostWords(db)
  // After the fill: one sorted build of each index instead of row-by-row inserts.
  await db.schema
    .createIndex('post_word_newest')
    .on('post_word')
    .columns(['word', 'sharedfile_id'])
    .execute()
  await db.schema
    .createIndex('post_word_by_user')
    .on('post_word')
    .columns(['word', 'user_id', 'sharedfile_id'])
    .execute()

  if (isMysql(db)) {
    await sql`drop index sharedfile_fulltext on sharedfile`.execute(db)
    return
  }
  for (const trigger of ['sharedfile_fts_insert', 'sharedfile_fts_delete', 'sharedfile_fts_update'])
    await sql`drop trigger ${sql.raw(trigger)}`.execute(db)
  await sql`drop table sharedfile_fts`.execute(db)
}

/** The most words kept of one post (a long description says what it is about early). */
const MAX_WORDS = 200

/** A post's words, as services/search-query.ts cut them when this was written. */
function postWords(title: string, description: string, altText: string): string[] {
  return [
    ...new Set(
      `${title} ${description} ${altText}`
        .normalize('NFC')
        .split(/[^\p{L}\p{N}]+/u)
        .filter((word) => word !== '')
        .map((word) => word.toLowerCase().slice(0, 40)),
    ),
  ].slice(0, MAX_WORDS)
}

async function fillPostWords(db: Kysely<unknown>): Promise<void> {
  let after = 0
  for (;;) {
    const { rows } = await sql<{
      id: number
      user_id: number
      title: string
      description: string
      alt_text: string
    }>`
      select id, user_id, title, description, alt_text from sharedfile
      where id > ${after} and deleted = 0 and parent_id is null order by id limit 2000`.execute(db)
    const last = rows.at(-1)
    if (!last) return
    after = Number(last.id)
    const words = rows.flatMap((row) =>
      postWords(row.title, row.description, row.alt_text).map((word) => ({
        sharedfile_id: Number(row.id),
        word,
        user_id: Number(row.user_id),
      })),
    )
    for (let i = 0; i < words.length; i += 1000)
      await db
        .withTables<{ post_word: { sharedfile_id: number; word: string; user_id: number } }>()
        .insertInto('post_word')
        .values(words.slice(i, i + 1000))
        .execute()
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('post_word').execute()
  if (isMysql(db)) {
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
