// Where each long maintenance walk (the counter reconciler) stopped, so the next run goes on from
// there and a killed run loses at most one page.
import type { Kysely } from 'kysely'
import { dbNow, upsert } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

/** Where the named walk stopped (0 when it has not started). */
export async function readCursor(db: Kysely<DB>, name: string): Promise<number> {
  const row = await db
    .selectFrom('maintenance_cursor')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst()
  return row?.position ?? 0
}

export async function saveCursor(db: Kysely<DB>, name: string, position: number): Promise<void> {
  const now = dbNow()
  await upsert(
    db,
    db.insertInto('maintenance_cursor').values({ name, position, updated_at: now }),
    ['name'],
    { position, updated_at: now },
  ).execute()
}
