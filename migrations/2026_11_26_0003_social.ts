// The social loop: likes, comments, follows, the friend timeline, notifications, and the
// outbox that carries their follow-up work to the job runners.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  await db.schema
    .createTable('favorite')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('favorite_user_post_unique', ['user_id', 'sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('favorite_sharedfile_id')
    .on('favorite')
    .column('sharedfile_id')
    .execute()

  await db.schema
    .createTable('comment')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('comment_sharedfile_id')
    .on('comment')
    .columns(['sharedfile_id', 'id'])
    .execute()

  await db.schema
    .createTable('comment_like')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comment.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('comment_like_unique', ['user_id', 'comment_id'])
    .modifyEnd(tableOptions)
    .execute()

  await db.schema
    .createTable('subscription')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('shake_id', 'integer', (c) => c.notNull().references('shake.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('subscription_unique', ['user_id', 'shake_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('subscription_shake_id')
    .on('subscription')
    .column('shake_id')
    .execute()

  // The friend timeline: one row per post a user should see, written by the fan-out job.
  await db.schema
    .createTable('post')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('sourcefile_id', 'integer', (c) => c.notNull())
    .addColumn('shake_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('post_user_sharedfile_unique', ['user_id', 'sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('post_user_sourcefile')
    .on('post')
    .columns(['user_id', 'sourcefile_id'])
    .execute()

  await db.schema
    .createTable('notification')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('sender_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('receiver_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    // What it is about: a post id (favorite, save, comment, mention), a comment id, or 0.
    .addColumn('action_id', 'integer', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    // The same event never notifies twice, however often its job runs.
    .addUniqueConstraint('notification_unique', ['type', 'sender_id', 'receiver_id', 'action_id'])
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('notification_receiver')
    .on('notification')
    .columns(['receiver_id', 'deleted', 'id'])
    .execute()

  await db.schema
    .createTable('magicfile')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('magicfile_sharedfile_unique', ['sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()

  await db.schema
    .createTable('conversation')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('sharedfile_id', 'integer', (c) => c.notNull().references('sharedfile.id'))
    .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .addUniqueConstraint('conversation_unique', ['user_id', 'sharedfile_id'])
    .modifyEnd(tableOptions)
    .execute()

  // Follow-up work, written in the same transaction as the action that needs it.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('job', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending: waiting to be relayed (or run, embedded); relayed: handed to the queue; done; dead.
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('available_at', 'datetime', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('outbox_status_available')
    .on('outbox')
    .columns(['status', 'available_at'])
    .execute()

  await db.schema
    .createIndex('sharedfile_incoming')
    .on('sharedfile')
    .columns(['original_id', 'deleted', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const dropIncoming = db.schema.dropIndex('sharedfile_incoming')
  await (mysql ? dropIncoming.on('sharedfile') : dropIncoming).execute()
  for (const table of [
    'outbox',
    'conversation',
    'magicfile',
    'notification',
    'post',
    'subscription',
    'comment_like',
    'comment',
    'favorite',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
