// SQL for mutes (user_mute): a user or a shake kept out of someone's timeline and
// notifications. Nothing tells the muted.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB, MuteKind } from '../db/schema.js'

export interface Muted {
  kind: MuteKind
  id: number
  name: string
  since: Date
}

export async function insertMute(
  db: Kysely<DB>,
  userId: number,
  kind: MuteKind,
  targetId: number,
): Promise<void> {
  await db
    .insertInto('user_mute')
    .values({ user_id: userId, kind, target_id: targetId, created_at: dbNow() })
    .ignore()
    .execute()
}

export async function deleteMute(
  db: Kysely<DB>,
  userId: number,
  kind: MuteKind,
  targetId: number,
): Promise<void> {
  await db
    .deleteFrom('user_mute')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('target_id', '=', targetId)
    .execute()
}

export async function isMuted(
  db: Kysely<DB>,
  userId: number,
  kind: MuteKind,
  targetId: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('user_mute')
    .select('id')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('target_id', '=', targetId)
    .executeTakeFirst()
  return row !== undefined
}

/** What the user has muted, people first, by name. */
export async function mutesOf(db: Kysely<DB>, userId: number): Promise<Muted[]> {
  const people = await db
    .selectFrom('user_mute as m')
    .innerJoin('user as u', 'u.id', 'm.target_id')
    .select(['u.id', 'u.name', 'm.created_at'])
    .where('m.user_id', '=', userId)
    .where('m.kind', '=', 'user')
    .where('u.deleted', '=', 0)
    .orderBy('u.name')
    .execute()
  const shakes = await db
    .selectFrom('user_mute as m')
    .innerJoin('shake as s', 's.id', 'm.target_id')
    .select(['s.id', 's.name', 'm.created_at'])
    .where('m.user_id', '=', userId)
    .where('m.kind', '=', 'shake')
    .where('s.deleted', '=', 0)
    .orderBy('s.name')
    .execute()
  return [
    ...people.map((r) => ({
      kind: 'user' as const,
      id: r.id,
      name: r.name,
      since: fromDbDateTime(r.created_at),
    })),
    ...shakes.map((r) => ({
      kind: 'shake' as const,
      id: r.id,
      name: r.name,
      since: fromDbDateTime(r.created_at),
    })),
  ]
}

/** A WHERE condition: the id in `column` (a user or a shake) is not muted by the viewer. */
export function notMutedBy(viewerId: number, kind: MuteKind, column: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from user_mute hm where hm.user_id = ${viewerId} and hm.kind = ${kind} and hm.target_id = ${sql.ref(column)})`
}
