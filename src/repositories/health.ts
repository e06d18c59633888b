// The cheapest query that proves the database answers.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

export async function pingDatabase(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db)
}
