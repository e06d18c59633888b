// SQL for finding people and shakes by name (posts are found by their words: post-words.ts).
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

/**
 * People whose name starts with a term, or one of whose full name's words does: two index
 * ranges (user_name_unique, user_name_word_unique), each stopping at the limit, merged by name.
 */
export async function findPeople(
  db: Kysely<DB>,
  terms: readonly string[],
  limit = 20,
): Promise<FoundPerson[]> {
  if (terms.length === 0) return []
  const byName = await db
    .selectFrom('user')
    .select(['id', 'name', 'full_name'])
    .where('deleted', '=', 0)
    .where((eb) => eb.or(terms.map((term) => eb('name', 'like', `${literal(term)}%`))))
    .orderBy('name')
    .limit(limit)
    .execute()
  // In the words' order: sorting every match by name would read them all.
  const byWord = await db
    .selectFrom('user_name_word as w')
    .innerJoin('user as u', 'u.id', 'w.user_id')
    .select(['u.id', 'u.name', 'u.full_name'])
    .where('u.deleted', '=', 0)
    .where((eb) => eb.or(terms.map((term) => eb('w.word', 'like', `${literal(term)}%`))))
    .orderBy('w.word')
    .orderBy('w.user_id')
    .limit(limit)
    .execute()
  const found = new Map([...byName, ...byWord].map((r) => [r.id, r]))
  return [...found.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit)
    .map((r) => ({ id: r.id, name: r.name, fullName: r.full_name }))
}

/** Replaces the words a person is found by (their full name's), in the profile's transaction. */
export async function replaceNameWords(
  db: Kysely<DB>,
  userId: number,
  words: readonly string[],
): Promise<void> {
  await db.deleteFrom('user_name_word').where('user_id', '=', userId).execute()
  if (words.length > 0)
    await db
      .insertInto('user_name_word')
      .values(words.map((word) => ({ user_id: userId, word })))
      .execute()
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
