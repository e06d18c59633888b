// Indexes for the keyset pages that had none in their order: each page reads its 11 rows
// straight off an index instead of sorting every row of the user, shake or week.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter } from 'kysely'

const indexes: Array<{ name: string; table: string; columns: string[] }> = [
  // A shake's page: its live posts, newest first.
  {
    name: 'shakesharedfile_shake_live',
    table: 'shakesharedfile',
    columns: ['shake_id', 'deleted', 'sharedfile_id'],
  },
  // A user's likes, newest like first.
  { name: 'favorite_user_id_id', table: 'favorite', columns: ['user_id', 'id'] },
  // Followers of a shake and shakes a user follows, newest follow first.
  { name: 'subscription_shake_id_id', table: 'subscription', columns: ['shake_id', 'id'] },
  { name: 'subscription_user_id_id', table: 'subscription', columns: ['user_id', 'id'] },
  // Popular: the originals of the last week.
  {
    name: 'sharedfile_recent_originals',
    table: 'sharedfile',
    columns: ['original_id', 'deleted', 'created_at'],
  },
  // Saves of a post (save counts, a user's earlier save of the same post).
  { name: 'sharedfile_parent_id', table: 'sharedfile', columns: ['parent_id', 'user_id'] },
]

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of indexes) {
    await db.schema.createIndex(index.name).on(index.table).columns(index.columns).execute()
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  for (const index of [...indexes].reverse()) {
    const drop = db.schema.dropIndex(index.name)
    await (mysql ? drop.on(index.table) : drop).execute()
  }
}
