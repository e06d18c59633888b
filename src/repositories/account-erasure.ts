// SQL for erasing an account: everything that names the user, and everything that only
// existed because of them (their posts' comments, likes, places in shakes and timelines).
// Every step is idempotent, so a job that failed halfway can simply run again.
import { type Kysely, sql } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { deleteCommentsOf } from './comments.js'
import { forgetLikesOf } from './likes-given.js'
import { recountMembers, shakesOfMember } from './memberships.js'
import { recountShakePosts, shakesHolding } from './shake-counts.js'
import type { Rendition } from './sourcefiles.js'
import { deleteSubscriptionsOf } from './subscriptions.js'

/** Long id lists go to the database in slices, well under any placeholder limit. */
function slices<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Marks the account deleted and scrubs its sign-in data, so it stops working at once. */
export async function markUserDeleted(db: Kysely<DB>, userId: number): Promise<boolean> {
  const result = await db
    .updateTable('user')
    .set({
      deleted: 1,
      // The address is freed for a new account; the name stays reserved (see the service).
      email: `deleted-${userId}@deleted.invalid`,
      hashed_password: '',
      updated_at: dbNow(),
    })
    .where('id', '=', userId)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function isMarkedDeleted(db: Kysely<DB>, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('user')
    .select('deleted')
    .where('id', '=', userId)
    .executeTakeFirst()
  return row?.deleted === 1
}

/** Every post of the user, deleted ones included. */
export async function allPostIdsOf(db: Kysely<DB>, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('sharedfile')
    .select('id')
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => r.id)
}

/**
 * Other people's posts whose counters include the user's rows: what the user liked (and the
 * posts those likes are credited to), and what the user's saves were saved from.
 */
export async function postsCreditedBy(db: Kysely<DB>, userId: number): Promise<number[]> {
  const liked = await db
    .selectFrom('favorite as f')
    .innerJoin('sharedfile as p', 'p.id', 'f.sharedfile_id')
    .select(['p.id', 'p.parent_id', 'p.original_id'])
    .where('f.user_id', '=', userId)
    .execute()
  const saved = await db
    .selectFrom('sharedfile')
    .select(['parent_id', 'original_id'])
    .where('user_id', '=', userId)
    .where('parent_id', 'is not', null)
    .execute()
  const ids = new Set<number>()
  for (const row of liked)
    for (const id of [row.id, row.parent_id, row.original_id]) if (id) ids.add(id)
  for (const row of saved) for (const id of [row.parent_id, row.original_id]) if (id) ids.add(id)
  return [...ids]
}

/** Other people's comments the user liked. */
export async function commentsLikedBy(db: Kysely<DB>, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('comment_like')
    .select('comment_id')
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => r.comment_id)
}

export interface StoredImage {
  id: number
  keys: string[]
}

/** Images that only the user's posts use: they go from storage with the account. */
export async function imagesOnlyUsedBy(db: Kysely<DB>, userId: number): Promise<StoredImage[]> {
  const rows = await db
    .selectFrom('sourcefile as s')
    .select(['s.id', 's.renditions'])
    .where('s.id', 'in', (eb) =>
      eb.selectFrom('sharedfile').select('sourcefile_id').where('user_id', '=', userId),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('sharedfile as o')
            .select('o.id')
            .whereRef('o.sourcefile_id', '=', 's.id')
            .where('o.user_id', '!=', userId),
        ),
      ),
    )
    .execute()
  return rows.map((r) => ({
    id: r.id,
    keys: (JSON.parse(r.renditions) as Rendition[]).map((rendition) => rendition.key),
  }))
}

export interface OwnedShake {
  id: number
  type: 'user' | 'group'
  imageKey: string | null
}

export async function shakesOwnedBy(db: Kysely<DB>, userId: number): Promise<OwnedShake[]> {
  const rows = await db
    .selectFrom('shake')
    .select(['id', 'type', 'image_key'])
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => ({ id: r.id, type: r.type, imageKey: r.image_key }))
}

/** The member who joined the shake first and still has a live account. */
export async function longestMember(db: Kysely<DB>, shakeId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('shake_manager as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.shake_id', '=', shakeId)
    .where('u.deleted', '=', 0)
    .orderBy('m.id')
    .limit(1)
    .executeTakeFirst()
  return row?.user_id
}

/** Hands a group shake to a member, who stops being a mere member of it. */
export async function transferShake(
  db: Kysely<DB>,
  shakeId: number,
  newOwnerId: number,
): Promise<void> {
  await db
    .updateTable('shake')
    .set({ user_id: newOwnerId, updated_at: dbNow() })
    .where('id', '=', shakeId)
    .execute()
  await db
    .deleteFrom('shake_manager')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', newOwnerId)
    .execute()
  await recountMembers(db, [shakeId])
  await db
    .deleteFrom('membership_request')
    .where('shake_id', '=', shakeId)
    .where('user_id', '=', newOwnerId)
    .execute()
}

/** Removes a shake and everything that points at it. */
export async function eraseShake(db: Kysely<DB>, shakeId: number): Promise<void> {
  await db.deleteFrom('post').where('shake_id', '=', shakeId).execute()
  await db.deleteFrom('shakesharedfile').where('shake_id', '=', shakeId).execute()
  // Its followers follow one shake fewer.
  await db
    .updateTable('user')
    .set({ following_count: sql`following_count - 1` })
    .where(
      'id',
      'in',
      db.selectFrom('subscription').select('user_id').where('shake_id', '=', shakeId),
    )
    .where('following_count', '>', 0)
    .execute()
  await db.deleteFrom('subscription').where('shake_id', '=', shakeId).execute()
  await db.deleteFrom('shake_manager').where('shake_id', '=', shakeId).execute()
  await db.deleteFrom('membership_request').where('shake_id', '=', shakeId).execute()
  await db
    .deleteFrom('user_mute')
    .where('kind', '=', 'shake')
    .where('target_id', '=', shakeId)
    .execute()
  // The moderation log outlives what it names: the entry stays, without the shake.
  await db
    .updateTable('moderation_log')
    .set({ shake_id: null })
    .where('shake_id', '=', shakeId)
    .execute()
  await db.deleteFrom('shake').where('id', '=', shakeId).execute()
}

/** Removes the posts and everything hanging from them: comments, likes, places, timelines. */
export async function erasePosts(db: Kysely<DB>, postIds: readonly number[]): Promise<void> {
  for (const ids of slices(postIds)) {
    const shakes = await shakesHolding(db, ids)
    await forgetLikesOf(db, ids)
    const onPosts = db.selectFrom('comment').select('id').where('sharedfile_id', 'in', ids)
    await db.deleteFrom('comment_like').where('comment_id', 'in', onPosts).execute()
    await db.deleteFrom('comment').where('sharedfile_id', 'in', ids).execute()
    for (const table of [
      'favorite',
      'conversation',
      'magicfile',
      'tagged_file',
      'post_word',
      'nsfw_log',
      'post',
      'shakesharedfile',
    ] as const) {
      await db.deleteFrom(table).where('sharedfile_id', 'in', ids).execute()
    }
    await db.deleteFrom('sharedfile').where('id', 'in', ids).execute()
    await recountShakePosts(db, shakes)
  }
}

/** Removes the user's own rows in every other table. */
export async function eraseUserRows(db: Kysely<DB>, userId: number): Promise<void> {
  const ownComments = db.selectFrom('comment').select('id').where('user_id', '=', userId)
  await db.deleteFrom('comment_like').where('comment_id', 'in', ownComments).execute()
  await db.deleteFrom('comment_like').where('user_id', '=', userId).execute()
  await deleteCommentsOf(db, userId)
  await deleteSubscriptionsOf(db, userId)
  const memberOf = await shakesOfMember(db, userId)
  for (const table of [
    'favorite',
    'conversation',
    'nsfw_log',
    'post',
    'shake_manager',
    'membership_request',
    'session',
    'user_token',
    'data_export',
    'user_name_word',
  ] as const) {
    await db.deleteFrom(table).where('user_id', '=', userId).execute()
  }
  await recountMembers(db, memberOf)
  await db
    .deleteFrom('notification')
    .where((eb) => eb.or([eb('sender_id', '=', userId), eb('receiver_id', '=', userId)]))
    .execute()
  await db
    .deleteFrom('user_block')
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('blocked_user_id', '=', userId)]))
    .execute()
  await db
    .deleteFrom('user_mute')
    .where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        eb.and([eb('kind', '=', 'user'), eb('target_id', '=', userId)]),
      ]),
    )
    .execute()
  // Reports they filed, and reports about them: settled by their going. The moderation log
  // stays (it names the tombstone), as the record of what moderators did.
  await db
    .deleteFrom('report')
    .where((eb) => eb.or([eb('reporter_id', '=', userId), eb('target_user_id', '=', userId)]))
    .execute()
  // Their API grants, and the apps they registered with every grant those apps hold.
  const ownApps = db.selectFrom('api_app').select('id').where('user_id', '=', userId)
  for (const table of ['api_access_token', 'api_authorization_code'] as const) {
    await db.deleteFrom(table).where('user_id', '=', userId).execute()
    await db.deleteFrom(table).where('app_id', 'in', ownApps).execute()
  }
  await db.deleteFrom('api_app').where('user_id', '=', userId).execute()
}

/** Removes images no post uses any more (another upload may have claimed one meanwhile). */
export async function eraseUnusedSourcefiles(
  db: Kysely<DB>,
  ids: readonly number[],
): Promise<void> {
  for (const slice of slices(ids)) {
    // A takedown's log entry stays without the image it named.
    await db
      .updateTable('moderation_log')
      .set({ sourcefile_id: null })
      .where('sourcefile_id', 'in', slice)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sharedfile as o')
              .select('o.id')
              .whereRef('o.sourcefile_id', '=', 'moderation_log.sourcefile_id'),
          ),
        ),
      )
      .execute()
    await db
      .deleteFrom('sourcefile')
      .where('id', 'in', slice)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sharedfile as o')
              .select('o.id')
              .whereRef('o.sourcefile_id', '=', 'sourcefile.id'),
          ),
        ),
      )
      .execute()
  }
}

/** Recounts comment likes from the rows. */
export async function recountCommentLikes(
  db: Kysely<DB>,
  commentIds: readonly number[],
): Promise<void> {
  for (const ids of slices(commentIds)) {
    await db
      .updateTable('comment')
      .set({
        like_count: sql`(select count(*) from comment_like cl where cl.comment_id = comment.id)`,
      })
      .where('id', 'in', ids)
      .execute()
  }
}

/** What is left of the account: its id and name, so that the name stays reserved. */
export async function reduceToTombstone(db: Kysely<DB>, userId: number): Promise<void> {
  await db
    .updateTable('user')
    .set({
      full_name: '',
      about: '',
      website: '',
      avatar_key: null,
      profile_image: 0,
      hashed_password: '',
      email: `deleted-${userId}@deleted.invalid`,
      // Its posts, follows and likes are gone: so are their counts.
      post_count: 0,
      following_count: 0,
      like_count: 0,
      updated_at: dbNow(),
    })
    .where('id', '=', userId)
    .where('deleted', '=', 1)
    .execute()
}

/** Storage keys of the user's data exports and avatar, removed with the account. */
export async function privateKeysOf(db: Kysely<DB>, userId: number): Promise<string[]> {
  const exports = await db
    .selectFrom('data_export')
    .select('storage_key')
    .where('user_id', '=', userId)
    .where('storage_key', 'is not', null)
    .execute()
  const user = await db
    .selectFrom('user')
    .select('avatar_key')
    .where('id', '=', userId)
    .executeTakeFirst()
  return [
    ...exports.map((r) => r.storage_key as string),
    ...(user?.avatar_key ? [user.avatar_key] : []),
  ]
}
