// SQL for the friend timeline (table `post`) and the follow graph it is built from.
import { type Kysely, sql } from 'kysely'
import { dbNow, tableByIndex } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { notBlockedBy } from './blocks.js'
import { type KeysetWindow, pagedIds } from './keyset.js'
import { notMutedBy } from './mutes.js'

export interface TimelineEntry {
  sharedfileId: number
  sourcefileId: number
  shakeId: number
}

/**
 * Whether the reader (a user-id column of the outer query) already has the same image in their
 * timeline: from this post, from a save of it, or from its original.
 */
function alreadyShown(readerColumn: string, sourcefileId: number) {
  return sql<boolean>`exists (select 1 from post seen where seen.user_id = ${sql.ref(readerColumn)} and seen.sourcefile_id = ${sourcefileId})`
}

/** A timeline row's columns for the reader in `readerColumn`, as an INSERT ... SELECT writes them. */
function timelineValues(readerColumn: string, entry: TimelineEntry) {
  return [
    sql.ref<number>(readerColumn).as('user_id'),
    sql.lit(entry.sharedfileId).as('sharedfile_id'),
    sql.lit(entry.sourcefileId).as('sourcefile_id'),
    sql.lit(entry.shakeId).as('shake_id'),
    sql<string>`${dbNow()}`.as('created_at'),
  ]
}

const timelineColumns = [
  'user_id',
  'sharedfile_id',
  'sourcefile_id',
  'shake_id',
  'created_at',
] as const

/**
 * Puts the post in each user's timeline, unless the user already has it, or already has the
 * same image from another post (a save of something they saw is not shown twice). One
 * statement, whatever the number of users.
 */
export async function addToTimelines(
  db: Kysely<DB>,
  userIds: readonly number[],
  entry: TimelineEntry,
): Promise<number> {
  if (userIds.length === 0) return 0
  const result = await db
    .insertInto('post')
    .columns(timelineColumns)
    .expression(
      db
        .selectFrom('user as reader')
        .select(timelineValues('reader.id', entry))
        .where('reader.id', 'in', userIds)
        .where(sql<boolean>`not ${alreadyShown('reader.id', entry.sourcefileId)}`),
    )
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n)
}

/** A stretch of a shake's followers by user id: after `after`, up to and with `upTo` (or all). */
export interface FollowerRange {
  after: number
  upTo: number | undefined
}

/**
 * The shake's followers after `after` (up to and with `upTo`, if given), as a derived table
 * `reader`, read as a range of the (shake_id, user_id) index: a chunk reads its own entries only.
 * Without the forced index MariaDB read the shake's followers from the first for every chunk
 * (a look-up on shake_id, user_id filtered after), so a fan-out read followers² / chunk entries.
 */
function followersFrom(db: Kysely<DB>, shakeId: number, range: FollowerRange) {
  const upTo = range.upTo === undefined ? sql`` : sql` and user_id <= ${range.upTo}`
  return sql<{
    user_id: number
  }>`(select user_id from ${tableByIndex(db, 'subscription', 'subscription_shake_user')} where shake_id = ${shakeId} and user_id > ${range.after}${upTo})`.as(
    'reader',
  )
}

/**
 * The user id `size` followers of the shake after `after`, in user-id order: the end of the
 * next chunk; undefined when fewer remain (the chunk runs to the end). Read off the
 * (shake_id, user_id) index.
 */
export async function followerChunkEnd(
  db: Kysely<DB>,
  shakeId: number,
  after: number,
  size: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom(followersFrom(db, shakeId, { after, upTo: undefined }))
    .select('reader.user_id')
    .orderBy('reader.user_id')
    .limit(1)
    .offset(size - 1)
    .executeTakeFirst()
  return row?.user_id
}

/**
 * The post into the timelines of the shake's followers in the range, in one INSERT ... SELECT:
 * nothing passes through the application, and a row a reader already has (this post, or the
 * same image) is skipped, so running it twice adds nothing.
 */
export async function addToFollowerTimelines(
  db: Kysely<DB>,
  shakeId: number,
  range: FollowerRange,
  entry: TimelineEntry,
): Promise<number> {
  const followers = db
    .selectFrom(followersFrom(db, shakeId, range))
    .select(timelineValues('reader.user_id', entry))
    .where(sql<boolean>`not ${alreadyShown('reader.user_id', entry.sourcefileId)}`)
  const result = await db
    .insertInto('post')
    .columns(timelineColumns)
    .expression(followers)
    .ignore()
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n)
}

/** Where a post stands: its shakes (live placements only). */
export async function shakesOfPost(db: Kysely<DB>, postId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('shakesharedfile')
    .select('shake_id')
    .where('sharedfile_id', '=', postId)
    .where('deleted', '=', 0)
    .execute()
  return rows.map((r) => r.shake_id)
}

/**
 * Post ids of a user's timeline, newest first, keyset-paged on the post id; without the posts of
 * people the user blocked or muted, or of shakes the user muted.
 */
export function timelinePostIds(
  db: Kysely<DB>,
  userId: number,
  window: KeysetWindow,
): Promise<number[]> {
  const query = db
    .selectFrom('post as t')
    .innerJoin('sharedfile as p', 'p.id', 't.sharedfile_id')
    .select('t.sharedfile_id as id')
    .where('t.user_id', '=', userId)
    .where('p.deleted', '=', 0)
    .where(notBlockedBy(userId, 'p.user_id'))
    .where(notMutedBy(userId, 'user', 'p.user_id'))
    .where(notMutedBy(userId, 'shake', 't.shake_id'))
  return pagedIds(query, 't.sharedfile_id', window)
}
