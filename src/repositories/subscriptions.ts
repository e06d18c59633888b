// SQL for follows: a user subscribed to a shake.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export async function insertSubscription(
  db: Kysely<DB>,
  userId: number,
  shakeId: number,
): Promise<boolean> {
  const result = await db
    .insertInto('subscription')
    .values({ user_id: userId, shake_id: shakeId, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function deleteSubscription(
  db: Kysely<DB>,
  userId: number,
  shakeId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('subscription')
    .where('user_id', '=', userId)
    .where('shake_id', '=', shakeId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function isSubscribed(
  db: Kysely<DB>,
  userId: number,
  shakeId: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('subscription')
    .select('id')
    .where('user_id', '=', userId)
    .where('shake_id', '=', shakeId)
    .executeTakeFirst()
  return row !== undefined
}

export interface FollowEntry {
  userId: number
  name: string
  shakeId: number
  shakeName: string
  shakeType: 'user' | 'group'
}

// Both lists show the same columns: u is the person, k the shake.
const followColumns = [
  'u.id as userId',
  'u.name',
  'k.id as shakeId',
  'k.name as shakeName',
  'k.type as shakeType',
] as const

/** People following a shake. */
export async function followersOf(
  db: Kysely<DB>,
  shakeId: number,
  limit = 500,
): Promise<FollowEntry[]> {
  return db
    .selectFrom('subscription as s')
    .innerJoin('user as u', 'u.id', 's.user_id')
    .innerJoin('shake as k', 'k.id', 's.shake_id')
    .select(followColumns)
    .where('s.shake_id', '=', shakeId)
    .where('u.deleted', '=', 0)
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute()
}

/** Shakes a user follows. */
export async function followingOf(
  db: Kysely<DB>,
  userId: number,
  limit = 500,
): Promise<FollowEntry[]> {
  return db
    .selectFrom('subscription as s')
    .innerJoin('shake as k', 'k.id', 's.shake_id')
    .innerJoin('user as u', 'u.id', 'k.user_id')
    .select(followColumns)
    .where('s.user_id', '=', userId)
    .where('k.deleted', '=', 0)
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute()
}

/** Removes every follow from one user of the other's shakes, both ways. */
export async function deleteFollowsBetween(db: Kysely<DB>, a: number, b: number): Promise<void> {
  for (const [follower, owner] of [
    [a, b],
    [b, a],
  ] as const) {
    await db
      .deleteFrom('subscription')
      .where('user_id', '=', follower)
      .where('shake_id', 'in', (eb) =>
        eb.selectFrom('shake').select('id').where('user_id', '=', owner),
      )
      .execute()
  }
}
