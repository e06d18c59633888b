// The fan-out job walks a shake's followers in user-id order, a chunk at a time: this index
// hands it each chunk, and the chunk's upper bound, without touching the table rows.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('subscription_shake_user')
    .on('subscription')
    .columns(['shake_id', 'user_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drop = db.schema.dropIndex('subscription_shake_user')
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  await (mysql ? drop.on('subscription') : drop).execute()
}
