// SQL for blocks (user_block) and the filters that keep a blocker from seeing the blocked.
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export interface BlockedUser {
  id: number
  name: string
  since: Date
}

export async function insertBlock(
  db: Kysely<DB>,
  userId: number,
  blockedUserId: number,
): Promise<boolean> {
  const result = await db
    .insertInto('user_block')
    .values({ user_id: userId, blocked_user_id: blockedUserId, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function deleteBlock(
  db: Kysely<DB>,
  userId: number,
  blockedUserId: number,
): Promise<void> {
  await db
    .deleteFrom('user_block')
    .where('user_id', '=', userId)
    .where('blocked_user_id', '=', blockedUserId)
    .execute()
}

/**
 * Who blocked whom between the actor and the owner of a post, by the post's id: the same pairs
 * as blocksBetween with the owner, without waiting for the post to be read first.
 */
export async function blocksWithPostOwner(
  db: Kysely<DB>,
  actorId: number,
  postId: number,
): Promise<Array<{ userId: number; blockedUserId: number }>> {
  const rows = await db
    .selectFrom('sharedfile as p')
    .innerJoin('user_block as b', (join) =>
      join.on((eb) =>
        eb.or([
          eb.and([
            eb('b.user_id', '=', actorId),
            eb('b.blocked_user_id', '=', eb.ref('p.user_id')),
          ]),
          eb.and([
            eb('b.user_id', '=', eb.ref('p.user_id')),
            eb('b.blocked_user_id', '=', actorId),
          ]),
        ]),
      ),
    )
    .select(['b.user_id', 'b.blocked_user_id'])
    .where('p.id', '=', postId)
    .where('p.user_id', '!=', actorId)
    .execute()
  return rows.map((r) => ({ userId: r.user_id, blockedUserId: r.blocked_user_id }))
}

/** Who blocked whom between the actor and these owners: [blocker, blocked] pairs. */
export async function blocksBetween(
  db: Kysely<DB>,
  actorId: number,
  ownerIds: readonly number[],
): Promise<Array<{ userId: number; blockedUserId: number }>> {
  if (ownerIds.length === 0) return []
  const rows = await db
    .selectFrom('user_block')
    .select(['user_id', 'blocked_user_id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('user_id', '=', actorId), eb('blocked_user_id', 'in', ownerIds)]),
        eb.and([eb('user_id', 'in', ownerIds), eb('blocked_user_id', '=', actorId)]),
      ]),
    )
    .execute()
  return rows.map((r) => ({ userId: r.user_id, blockedUserId: r.blocked_user_id }))
}

export async function blockedUsers(db: Kysely<DB>, userId: number): Promise<BlockedUser[]> {
  const rows = await db
    .selectFrom('user_block as b')
    .innerJoin('user as u', 'u.id', 'b.blocked_user_id')
    .select(['u.id', 'u.name', 'b.created_at'])
    .where('b.user_id', '=', userId)
    .where('u.deleted', '=', 0)
    .orderBy('u.name')
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name, since: fromDbDateTime(r.created_at) }))
}

/** Ids of the users this one has blocked. */
export async function blockedIds(db: Kysely<DB>, userId: number): Promise<Set<number>> {
  const rows = await db
    .selectFrom('user_block')
    .select('blocked_user_id')
    .where('user_id', '=', userId)
    .execute()
  return new Set(rows.map((r) => r.blocked_user_id))
}

/**
 * A WHERE condition: the author in `column` is not blocked by the viewer. A subquery rather
 * than a list of ids, so paged queries stay exact however many people are blocked.
 */
export function notBlockedBy(viewerId: number, column: string): RawBuilder<boolean> {
  return sql<boolean>`not exists (select 1 from user_block hb where hb.user_id = ${viewerId} and hb.blocked_user_id = ${sql.ref(column)})`
}

/** Whether the viewer blocked, and whether they muted, this person: one query for a profile. */
export async function stanceToward(
  db: Kysely<DB>,
  viewerId: number,
  targetId: number,
): Promise<{ blocked: boolean; muted: boolean }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(
          eb
            .selectFrom('user_block')
            .select('id')
            .where('user_id', '=', viewerId)
            .where('blocked_user_id', '=', targetId),
        )
        .as('blocked'),
      eb
        .exists(
          eb
            .selectFrom('user_mute')
            .select('id')
            .where('user_id', '=', viewerId)
            .where('kind', '=', 'user')
            .where('target_id', '=', targetId),
        )
        .as('muted'),
    ])
    .executeTakeFirstOrThrow()
  return { blocked: Boolean(Number(row.blocked)), muted: Boolean(Number(row.muted)) }
}
