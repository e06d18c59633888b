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
  imageKey: string | null
  /** Kept by every follow made or removed. */
  followerCount: number
  createdAt: Date
  updatedAt: Date
}

function toShake(row: ShakeRow): Shake {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.type,
    name: row.name,
    title: row.title,
    description: row.description,
    imageKey: row.image_key,
    followerCount: row.follower_count,
    createdAt: fromDbDateTime(row.created_at),
    updatedAt: fromDbDateTime(row.updated_at),
  }
}

export async function insertShake(
  db: Kysely<DB>,
  values: { userId: number; type: ShakeType; name: string; title: string; description?: string },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('shake')
    .values({
      user_id: values.userId,
      type: values.type,
      name: values.name,
      title: values.title,
      ...(values.description ? { description: values.description } : {}),
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

const liveShakes = (db: Kysely<DB>) => db.selectFrom('shake').selectAll().where('deleted', '=', 0)

export async function findPersonalShake(
  db: Kysely<DB>,
  userId: number,
): Promise<Shake | undefined> {
  const row = await liveShakes(db)
    .where('user_id', '=', userId)
    .where('type', '=', 'user')
    .executeTakeFirst()
  return row && toShake(row)
}

/** The personal shake of the live user with that name (asked beside the user, not after). */
export async function findPersonalShakeByUserName(
  db: Kysely<DB>,
  name: string,
): Promise<Shake | undefined> {
  const row = await db
    .selectFrom('shake as s')
    .innerJoin('user as u', 'u.id', 's.user_id')
    .selectAll('s')
    .where('u.name', '=', name)
    .where('u.deleted', '=', 0)
    .where('s.type', '=', 'user')
    .where('s.deleted', '=', 0)
    .executeTakeFirst()
  return row && toShake(row)
}

export async function findShakeById(db: Kysely<DB>, id: number): Promise<Shake | undefined> {
  const row = await liveShakes(db).where('id', '=', id).executeTakeFirst()
  return row && toShake(row)
}

/** The live shakes among `ids`, by id (a page naming several shakes reads them at once). */
export async function findShakesByIds(
  db: Kysely<DB>,
  ids: readonly number[],
): Promise<Map<number, Shake>> {
  if (ids.length === 0) return new Map()
  const rows = await liveShakes(db)
    .where('id', 'in', [...new Set(ids)])
    .execute()
  return new Map(rows.map((row) => [row.id, toShake(row)]))
}

export async function findShakeByName(db: Kysely<DB>, name: string): Promise<Shake | undefined> {
  const row = await liveShakes(db).where('name', '=', name).executeTakeFirst()
  return row && toShake(row)
}

/** The live shakes a user owns (their own shake and the groups they made), oldest first. */
export async function shakesOwnedBy(db: Kysely<DB>, userId: number): Promise<Shake[]> {
  const rows = await liveShakes(db).where('user_id', '=', userId).orderBy('id').execute()
  return rows.map(toShake)
}

/** The group shakes a user owns or is a member of, by name. */
export async function groupShakesOf(db: Kysely<DB>, userId: number): Promise<Shake[]> {
  // Two index lookups in one statement: `owner = ? or id in (members)` read every shake.
  const owned = liveShakes(db).where('type', '=', 'group').where('user_id', '=', userId)
  const joined = liveShakes(db)
    .where('type', '=', 'group')
    .where('id', 'in', (eb) =>
      eb.selectFrom('shake_manager').select('shake_id').where('user_id', '=', userId),
    )
  const rows = await owned.union(joined).orderBy('name').execute()
  return rows.map(toShake)
}

export async function updateShake(
  db: Kysely<DB>,
  id: number,
  fields: { title?: string; description?: string; imageKey?: string | null },
): Promise<void> {
  await db
    .updateTable('shake')
    .set({
      ...(fields.title !== undefined ? { title: fields.title } : {}),
      ...(fields.description !== undefined ? { description: fields.description } : {}),
      ...(fields.imageKey !== undefined
        ? { image_key: fields.imageKey, image: fields.imageKey ? 1 : 0 }
        : {}),
      updated_at: dbNow(),
    })
    .where('id', '=', id)
    .execute()
}

export async function setShakeOwner(db: Kysely<DB>, id: number, userId: number): Promise<void> {
  await db
    .updateTable('shake')
    .set({ user_id: userId, updated_at: dbNow() })
    .where('id', '=', id)
    .where('type', '=', 'group')
    .execute()
}

export interface DirectoryEntry {
  id: number
  name: string
  title: string
  description: string
  imageKey: string | null
  followers: number
  /** Live posts in the shake (kept: repositories/shake-counts.ts). */
  posts: number
  /** People who may post besides the owner (kept: shake_manager rows). */
  members: number
  lastPostAt: Date | null
}

/** Group shakes for the directory, in one of three orders. */
export async function groupShakeDirectory(
  db: Kysely<DB>,
  order: 'newest' | 'followed' | 'active',
  limit = 30,
): Promise<DirectoryEntry[]> {
  const query = db
    .selectFrom('shake as k')
    .select((eb) => [
      'k.id',
      'k.name',
      'k.title',
      'k.description',
      'k.image_key',
      // Kept by the follow path (repositories/subscriptions.ts): counting them read every follow.
      'k.follower_count as followers',
      'k.post_count as posts',
      'k.member_count as members',
      // The newest live placement, one step of shakesharedfile_shake_live (a max of its
      // created_at read every placement of the shake).
      eb
        .selectFrom('shakesharedfile as ss')
        .select('ss.created_at')
        .whereRef('ss.shake_id', '=', 'k.id')
        .where('ss.deleted', '=', 0)
        .orderBy('ss.sharedfile_id', 'desc')
        .limit(1)
        .as('last_post_at'),
    ])
    .where('k.type', '=', 'group')
    .where('k.deleted', '=', 0)
  const ordered =
    order === 'newest'
      ? query.orderBy('k.id', 'desc')
      : order === 'followed'
        ? query.orderBy('followers', 'desc').orderBy('k.id', 'desc')
        : query.orderBy('last_post_at', 'desc').orderBy('k.id', 'desc')
  const rows = await ordered.limit(limit).execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    title: r.title,
    description: r.description,
    imageKey: r.image_key,
    followers: Number(r.followers ?? 0),
    posts: Number(r.posts ?? 0),
    members: Number(r.members ?? 0),
    lastPostAt: r.last_post_at ? fromDbDateTime(r.last_post_at) : null,
  }))
}
