// Values kept on write, so pages read them instead of counting (found by the query-plan test,
// test/integration/query-plans.test.ts): a shake's followers, a post's live comments, and each
// conversation's latest live comment, with the index that hands /conversations a user's
// conversations latest first. Each is filled from the rows it stands for.
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
}

export async function down(db: Kysely<unknown>): Promise<void> {
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
