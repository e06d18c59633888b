// Values kept on write, so pages read them instead of counting (found by the query-plan test,
// test/integration/query-plans.test.ts): a shake's followers, a post's live comments, and each
// conversation's latest live comment, with the index that hands /conversations a user's
// conversations latest first; and the words of each person's full name, so people search reads
// an index range instead of every name (like '%word%'). Each is filled from the rows it stands
// for.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('shake')
    .addColumn('follower_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .alterTable('sharedfile')
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // The directory's most followed groups, read in order off the index instead of sorted.
  await db.schema
    .createIndex('shake_type_followed')
    .on('shake')
    .columns(['type', 'deleted', 'follower_count', 'id'])
    .execute()
  await db.schema.alterTable('conversation').addColumn('last_comment_id', 'integer').execute()
  await db.schema
    .createIndex('conversation_user_latest')
    .on('conversation')
    .columns(['user_id', 'muted', 'last_comment_id'])
    .execute()
  // A comment raises the latest comment of every conversation of its post. MariaDB has an index
  // on sharedfile_id already (the one its foreign key made); SQLite has none.
  if (!isMysql(db)) {
    await db.schema
      .createIndex('conversation_sharedfile')
      .on('conversation')
      .columns(['sharedfile_id'])
      .execute()
  }

  await sql`update shake set follower_count =
    (select count(*) from subscription s where s.shake_id = shake.id)`.execute(db)
  await sql`update sharedfile set comment_count =
    (select count(*) from comment c where c.sharedfile_id = sharedfile.id and c.deleted = 0)`.execute(
    db,
  )
  await sql`update conversation set last_comment_id =
    (select max(c.id) from comment c
      where c.sharedfile_id = conversation.sharedfile_id and c.deleted = 0)`.execute(db)

  await db.schema
    .createTable('user_name_word')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('word', 'varchar(40)', (c) => c.notNull())
    .addUniqueConstraint('user_name_word_unique', ['word', 'user_id'])
    .modifyEnd(
      isMysql(db) ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci` : sql``,
    )
    .execute()
  // MariaDB indexes user_id for its foreign key; SQLite needs one to remove a person's words.
  if (!isMysql(db))
    await db.schema
      .createIndex('user_name_word_user')
      .on('user_name_word')
      .columns(['user_id'])
      .execute()
  await fillNameWords(db)
}

/** The words of a full name, as services/search-query.ts cut them when this was written. */
function nameWords(fullName: string): string[] {
  return [
    ...new Set(
      fullName
        .normalize('NFC')
        .split(/[^\p{L}\p{N}]+/u)
        .filter((word) => word !== '')
        .map((word) => word.toLowerCase().slice(0, 40)),
    ),
  ]
}

async function fillNameWords(db: Kysely<unknown>): Promise<void> {
  let after = 0
  for (;;) {
    const { rows } = await sql<{ id: number; full_name: string }>`
      select id, full_name from ${sql.table('user')}
      where id > ${after} and deleted = 0 and full_name <> '' order by id limit 1000`.execute(db)
    const last = rows.at(-1)
    if (!last) return
    after = last.id
    const words = rows.flatMap((row) =>
      nameWords(row.full_name).map((word) => ({ user_id: row.id, word })),
    )
    for (let i = 0; i < words.length; i += 1000)
      await db
        .withTables<{ user_name_word: { user_id: number; word: string } }>()
        .insertInto('user_name_word')
        .values(words.slice(i, i + 1000))
        .execute()
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_name_word').execute()
  if (isMysql(db)) {
    await db.schema.dropIndex('conversation_user_latest').on('conversation').execute()
    await db.schema.dropIndex('shake_type_followed').on('shake').execute()
  } else {
    await db.schema.dropIndex('conversation_sharedfile').execute()
    await db.schema.dropIndex('conversation_user_latest').execute()
    await db.schema.dropIndex('shake_type_followed').execute()
  }
  await db.schema.alterTable('conversation').dropColumn('last_comment_id').execute()
  await db.schema.alterTable('sharedfile').dropColumn('comment_count').execute()
  await db.schema.alterTable('shake').dropColumn('follower_count').execute()
}
