// SQL for follows: a user subscribed to a shake.
import { type Kysely, sql } from 'kysely'
import { dbNow, lockedForWrite, lockRow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { changeShakeCount } from './shake-counts.js'

export async function insertSubscription(
  db: Kysely<DB>,
  userId: number,
  shakeId: number,
): Promise<boolean> {
  // The follower's row, then the shake's, first: the follow's foreign keys would take a shared
  // lock on each, and two follows (or a follow and another write of the row) each upgrading
  // theirs to write a count deadlock. Always in this order, so two follows queue.
  await lockRow(db, 'user', userId)
  await lockRow(db, 'shake', shakeId)
  const result = await db
    .insertInto('subscription')
    .values({ user_id: userId, shake_id: shakeId, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return false
  await changeFollowerCounts(db, [shakeId], +1)
  await changeFollowingCount(db, userId, 1)
  return true
}

/** The count of shakes a person follows, moved by `by` in one statement (never below zero). */
async function changeFollowingCount(db: Kysely<DB>, userId: number, by: number): Promise<void> {
  await db
    .updateTable('user')
    .set({
      following_count:
        by > 0
          ? sql`following_count + ${by}`
          : sql`case when following_count > ${-by} then following_count - ${-by} else 0 end`,
    })
    .where('id', '=', userId)
    .execute()
}

/**
 * The follower count kept on each shake, moved by one per follow made or removed: called in the
 * transaction that wrote the subscriptions, with each shake once (a follow is unique per user and
 * shake).
 */
function changeFollowerCounts(db: Kysely<DB>, shakeIds: readonly number[], by: 1 | -1) {
  return changeShakeCount(db, 'follower_count', shakeIds, by)
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
  if (result.numDeletedRows === 0n) return false
  // The follower's row before the shake's, in the order a follow takes them.
  await changeFollowingCount(db, userId, -1)
  await changeFollowerCounts(db, [shakeId], -1)
  return true
}

/** Removes every follow the user made, and each followed shake's count with it. */
export async function deleteSubscriptionsOf(db: Kysely<DB>, userId: number): Promise<void> {
  const follows = await db
    .selectFrom('subscription')
    .select('shake_id')
    .where('user_id', '=', userId)
    // Held until the transaction ends, so a concurrent unfollow cannot count the same follow.
    .$call((q) => lockedForWrite(db, q))
    .execute()
  await db.deleteFrom('subscription').where('user_id', '=', userId).execute()
  const shakeIds = follows.map((f) => f.shake_id)
  for (let i = 0; i < shakeIds.length; i += 500)
    await changeFollowerCounts(db, shakeIds.slice(i, i + 500), -1)
  await db.updateTable('user').set({ following_count: 0 }).where('id', '=', userId).execute()
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
    const follows = await db
      .selectFrom('subscription as s')
      .innerJoin('shake as k', 'k.id', 's.shake_id')
      .select(['s.id', 's.shake_id'])
      .where('s.user_id', '=', follower)
      .where('k.user_id', '=', owner)
      .$call((q) => lockedForWrite(db, q))
      .execute()
    if (follows.length === 0) continue
    await db
      .deleteFrom('subscription')
      .where(
        'id',
        'in',
        follows.map((f) => f.id),
      )
      .execute()
    // The follower's row before the shakes', in the order a follow takes them.
    await changeFollowingCount(db, follower, -follows.length)
    await changeFollowerCounts(
      db,
      follows.map((f) => f.shake_id),
      -1,
    )
  }
}
