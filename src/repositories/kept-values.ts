// The values kept on write (shake.follower_count, sharedfile.comment_count,
// conversation.last_comment_id), worked out again from the rows they stand for. The writes keep
// them; this is for data loaded around those writes (a bulk seed, a restore of old rows). Each
// statement reads whole tables: an operator's tool, never a request's.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

export async function refillKeptValues(db: Kysely<DB>): Promise<void> {
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
