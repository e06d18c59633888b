// SQL for the shake table.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB, ShakeRow, ShakeType } from '../db/schema.js'

export interface Shake {
  id: number
  userId: number
  type: ShakeType
  name: string
  title: string
  description: string
  createdAt: Date
}

function toShake(row: ShakeRow): Shake {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    name: row.name,
    title: row.title,
    description: row.description,
    createdAt: fromDbDateTime(row.created_at),
  }
}

export async function insertShake(
  db: Kysely<DB>,
  values: { userId: number; type: ShakeType; name: string; title: string },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('shake')
    .values({
      user_id: values.userId,
      type: values.type,
      name: values.name,
      title: values.title,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

/** Any shake, user or group, holding this name (case-insensitive). */
export async function shakeNameTaken(db: Kysely<DB>, name: string): Promise<boolean> {
  const row = await db.selectFrom('shake').select('id').where('name', '=', name).executeTakeFirst()
  return row !== undefined
}

export async function findPersonalShake(
  db: Kysely<DB>,
  userId: number,
): Promise<Shake | undefined> {
  const row = await db
    .selectFrom('shake')
    .selectAll()
    .where('user_id', '=', userId)
    .where('type', '=', 'user')
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return row && toShake(row)
}

export async function findShakeById(db: Kysely<DB>, id: number): Promise<Shake | undefined> {
  const row = await db
    .selectFrom('shake')
    .selectAll()
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return row && toShake(row)
}

export async function findShakeByName(db: Kysely<DB>, name: string): Promise<Shake | undefined> {
  const row = await db
    .selectFrom('shake')
    .selectAll()
    .where('name', '=', name)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return row && toShake(row)
}
