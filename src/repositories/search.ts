// SQL for finding people and shakes by name (posts are found by the dialect's full-text search).
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/** LIKE patterns treat % and _ as wildcards: make them plain characters. */
function literal(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`)
}

export interface FoundPerson {
  id: number
  name: string
  fullName: string
}

export async function findPeople(
  db: Kysely<DB>,
  terms: readonly string[],
  limit = 20,
): Promise<FoundPerson[]> {
  if (terms.length === 0) return []
  const rows = await db
    .selectFrom('user')
    .select(['id', 'name', 'full_name'])
    .where('deleted', '=', 0)
    .where((eb) =>
      eb.or(
        terms.flatMap((term) => [
          eb('name', 'like', `${literal(term)}%`),
          eb('full_name', 'like', `%${literal(term)}%`),
        ]),
      ),
    )
    .orderBy('name')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name, fullName: r.full_name }))
}

export interface FoundShake {
  name: string
  title: string
}

export async function findGroupShakes(
  db: Kysely<DB>,
  terms: readonly string[],
  limit = 20,
): Promise<FoundShake[]> {
  if (terms.length === 0) return []
  return db
    .selectFrom('shake')
    .select(['name', 'title'])
    .where('type', '=', 'group')
    .where('deleted', '=', 0)
    .where((eb) =>
      eb.or(
        terms.flatMap((term) => [
          eb('name', 'like', `${literal(term)}%`),
          eb('title', 'like', `%${literal(term)}%`),
        ]),
      ),
    )
    .orderBy('name')
    .limit(limit)
    .execute()
}
