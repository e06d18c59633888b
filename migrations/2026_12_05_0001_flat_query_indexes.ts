// Indexes found by the query-plan test (test/integration/query-plans.test.ts) on seeded data:
// each lets a page read its rows off an index in the order shown and stop at the page's end,
// instead of reading (and sorting) every row of a user, a receiver or a shake type.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter } from 'kysely'

const indexes: Array<{ name: string; table: string; columns: string[] }> = [
  // A user's likes, newest first, joined to the posts: with the post id in the index MariaDB
  // walks it in order instead of picking the unique (user, post) key and sorting all likes.
  { name: 'favorite_user_likes', table: 'favorite', columns: ['user_id', 'id', 'sharedfile_id'] },
  // The shakes a user follows, newest follow first, joined to the shakes: the same reason.
  {
    name: 'subscription_user_follows',
    table: 'subscription',
    columns: ['user_id', 'id', 'shake_id'],
  },
  // A receiver's notifications of the last week, newest first, the week a range of the index.
  {
    name: 'notification_receiver_recent',
    table: 'notification',
    columns: ['receiver_id', 'deleted', 'created_at'],
  },
  // Mentions of a user, newest comment first (action_id is the comment).
  {
    name: 'notification_receiver_type',
    table: 'notification',
    columns: ['receiver_id', 'type', 'action_id'],
  },
  // The directory of group shakes, newest first, among every personal shake.
  { name: 'shake_type_live', table: 'shake', columns: ['type', 'deleted', 'id'] },
]

/** Superseded by the ones above, which begin with the same columns. */
const replaced: Array<{ name: string; table: string; columns: string[] }> = [
  { name: 'favorite_user_id_id', table: 'favorite', columns: ['user_id', 'id'] },
  { name: 'subscription_user_id_id', table: 'subscription', columns: ['user_id', 'id'] },
]

function dropIndex(db: Kysely<unknown>, index: { name: string; table: string }) {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const drop = db.schema.dropIndex(index.name)
  return (mysql ? drop.on(index.table) : drop).execute()
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of indexes) {
    await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute()
  }
  for (const index of replaced) await dropIndex(db, index)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of replaced) {
    await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute()
  }
  for (const index of [...indexes].reverse()) await dropIndex(db, index)
}
