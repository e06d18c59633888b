// SQL for group shake membership: members, and pending invitations and requests.
import { type Kysely, sql } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB, MembershipKind } from '../db/schema.js'

export async function addMember(db: Kysely<DB>, shakeId: number, userId: number): Promise<void> {
  await db
    .insertInto('shake_manager')
    .values({ shake_id: shakeId, user_id: userId, created_at: dbNow() })
    .ignore()
    .execute()
  await recountMembers(db, [shakeId])
}

/**
 * Counts the shakes' members again (shake.member_count, the directory's), in the transaction
 * of the membership write: memberships change rarely, and a count cannot drift this way.
 */
export async function recountMembers(db: Kysely<DB>, shakeIds: readonly number[]): Promise<void> {
  if (shakeIds.length === 0) return
  await sql`update shake set member_count =
    (select count(*) from shake_manager m where m.shake_id = shake.id)
    where id in (${sql.join(shakeIds)})`.execute(db)
}

/** The group shakes the user is a member of. */
export async function shakesOfMember(db: Kysely<DB>, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('shake_manager')
    .select('shake_id')
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => r.shake_id)
}

export async function removeMember(
  db: Kysely<DB>,
  shakeId: number,
  userId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('shake_manager')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (result.numDeletedRows === 0n) return false
  await recountMembers(db, [shakeId])
  return true
}

export async function isMember(db: Kysely<DB>, shakeId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('shake_manager')
    .select('id')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row !== undefined
}

export async function memberNames(db: Kysely<DB>, shakeId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('shake_manager as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .select('u.name')
    .where('m.shake_id', '=', shakeId)
    .where('u.deleted', '=', 0)
    .orderBy('u.name')
    .execute()
  return rows.map((r) => r.name)
}

export async function addMembershipRequest(
  db: Kysely<DB>,
  shakeId: number,
  userId: number,
  kind: MembershipKind,
): Promise<boolean> {
  const result = await db
    .insertInto('membership_request')
    .values({ shake_id: shakeId, user_id: userId, kind, created_at: dbNow() })
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

/** Removes a pending invitation or request; false when there was none. */
export async function takeMembershipRequest(
  db: Kysely<DB>,
  shakeId: number,
  userId: number,
  kind: MembershipKind,
): Promise<boolean> {
  const result = await db
    .deleteFrom('membership_request')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function pendingNames(
  db: Kysely<DB>,
  shakeId: number,
  kind: MembershipKind,
): Promise<string[]> {
  const rows = await db
    .selectFrom('membership_request as r')
    .innerJoin('user as u', 'u.id', 'r.user_id')
    .select('u.name')
    .where('r.shake_id', '=', shakeId)
    .where('r.kind', '=', kind)
    .orderBy('r.id')
    .execute()
  return rows.map((r) => r.name)
}

export async function hasPending(
  db: Kysely<DB>,
  shakeId: number,
  userId: number,
  kind: MembershipKind,
): Promise<boolean> {
  const row = await db
    .selectFrom('membership_request')
    .select('id')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst()
  return row !== undefined
}

/** Where a user stands with a group shake, in one query: member, invited, asked to join. */
export async function membershipState(
  db: Kysely<DB>,
  shakeId: number,
  userId: number,
): Promise<{ member: boolean; invited: boolean; requested: boolean }> {
  const pending = (kind: MembershipKind) =>
    db
      .selectFrom('membership_request')
      .select('id')
      .where('shake_id', '=', shakeId)
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .exists(
          db
            .selectFrom('shake_manager')
            .select('id')
            .where('shake_id', '=', shakeId)
            .where('user_id', '=', userId),
        )
        .as('member'),
      eb.exists(pending('invite')).as('invited'),
      eb.exists(pending('request')).as('requested'),
    ])
    .executeTakeFirstOrThrow()
  return {
    member: Boolean(Number(row.member)),
    invited: Boolean(Number(row.invited)),
    requested: Boolean(Number(row.requested)),
  }
}
