// A post's saves, newest first (the list of who saved it): this index hands them over in id
// order from the post's own range, where the (parent_id, user_id) index would leave them to sort.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sharedfile_parent_id_id')
    .on('sharedfile')
    .columns(['parent_id', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drop = db.schema.dropIndex('sharedfile_parent_id_id')
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  await (mysql ? drop.on('sharedfile') : drop).execute()
}
