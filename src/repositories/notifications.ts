// SQL for notifications. The unique key (type, sender, receiver, target) makes every insert
// idempotent: a job that runs twice notifies once.
import { type Kysely, sql } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB, NotificationType } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import { notMutedBy } from './mutes.js'

export interface Notification {
  id: number
  type: NotificationType
  senderId: number
  senderName: string
  senderAvatarKey: string | null
  actionId: number
  createdAt: Date
}

export interface NewNotification {
  type: NotificationType
  senderId: number
  receiverId: number
  actionId: number
}

export async function insertNotification(
  db: Kysely<DB>,
  values: NewNotification,
): Promise<boolean> {
  return (await insertNotifications(db, [values])) > 0
}

/**
 * Adds notifications in one statement, leaving out the ones people would send themselves.
 * Returns how many were new: one that already existed (a job that ran twice, a like taken back
 * and given again) is not added twice.
 */
export async function insertNotifications(
  db: Kysely<DB>,
  notifications: readonly NewNotification[],
): Promise<number> {
  const others = notifications.filter((n) => n.senderId !== n.receiverId)
  if (others.length === 0) return 0
  const now = dbNow()
  const result = await db
    .insertInto('notification')
    .values(
      others.map((n) => ({
        type: n.type,
        sender_id: n.senderId,
        receiver_id: n.receiverId,
        action_id: n.actionId,
        created_at: now,
      })),
    )
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/**
 * What the receiver is meant to see: not caused by someone they blocked or muted, nor an
 * invitation from a shake they muted.
 */
function wanted(receiverId: number) {
  return sql<boolean>`${notBlockedBy(receiverId, 'n.sender_id')} and ${notMutedBy(receiverId, 'user', 'n.sender_id')} and (n.type not in ('invitation', 'join_approved') or ${notMutedBy(receiverId, 'shake', 'n.action_id')})`
}

/** Uncleared notifications of the last week, newest first. */
export async function recentNotifications(
  db: Kysely<DB>,
  receiverId: number,
  limit = 200,
): Promise<Notification[]> {
  const rows = await db
    .selectFrom('notification as n')
    .innerJoin('user as u', 'u.id', 'n.sender_id')
    .select([
      'n.id',
      'n.type',
      'n.sender_id',
      'u.name',
      'u.avatar_key',
      'n.action_id',
      'n.created_at',
    ])
    .where('n.receiver_id', '=', receiverId)
    .where('n.deleted', '=', 0)
    .where('n.created_at', '>', dbNow(-7 * 24 * 3600))
    .where('u.deleted', '=', 0)
    .where(wanted(receiverId))
    // The week is a range of notification_receiver_recent, read newest first up to the limit
    // (ordered by id, every uncleared notification of the receiver was read to find a week's).
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    senderId: r.sender_id,
    senderName: r.name,
    senderAvatarKey: r.avatar_key,
    actionId: r.action_id,
    createdAt: fromDbDateTime(r.created_at),
  }))
}

export async function countUnread(db: Kysely<DB>, receiverId: number): Promise<number> {
  const row = await db
    .selectFrom('notification as n')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('n.receiver_id', '=', receiverId)
    .where('n.deleted', '=', 0)
    .where('n.created_at', '>', dbNow(-7 * 24 * 3600))
    .where(wanted(receiverId))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Clears the user's notifications: all of them, or those of one type or one id. */
export async function clearNotifications(
  db: Kysely<DB>,
  receiverId: number,
  which: { type?: NotificationType; id?: number } = {},
): Promise<void> {
  let query = db
    .updateTable('notification')
    .set({ deleted: 1 })
    .where('receiver_id', '=', receiverId)
  if (which.type) query = query.where('type', '=', which.type)
  if (which.id !== undefined) query = query.where('id', '=', which.id)
  await query.execute()
}
