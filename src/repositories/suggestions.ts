// SQL for the shakes suggested to a member with nothing to read yet: the most followed people
// and group shakes, and the people who posted most lately. Each walk is an index in order with
// a LIMIT, so it costs the same at any size; what a given member may not see is asked once, for
// the few candidates only.
import type { ExpressionBuilder, Kysely } from 'kysely'
import type { DB, ShakeType } from '../db/schema.js'

/** A shake someone could follow: a person's own shake or a group shake. */
export interface SuggestedShake {
  id: number
  type: ShakeType
  /** The shake's name (a person's shake is named after them). */
  name: string
  title: string
  ownerId: number
  ownerName: string
  avatarKey: string | null
  imageKey: string | null
  followers: number
}

type Aliases = DB & { s: DB['shake']; u: DB['user'] }

/**
 * The shake shows at least one live post: an empty shake is nothing to follow yet. A person's
 * own shake holds their posts, whose count their row keeps (a plan that cannot turn into a walk
 * of every placement); a group's is looked up among its placements.
 */
const hasLivePost = (eb: ExpressionBuilder<Aliases, 's' | 'u'>) =>
  eb.or([
    eb.and([eb('s.type', '=', 'user'), eb('u.post_count', '>', 0)]),
    eb.and([
      eb('s.type', '=', 'group'),
      eb.exists(
        eb
          .selectFrom('shakesharedfile as ss')
          .select('ss.id')
          .whereRef('ss.shake_id', '=', 's.id')
          .where('ss.deleted', '=', 0),
      ),
    ]),
  ])

/** Live shakes whose owner is live, not restricted and not marked NSFW. */
function suggestable(db: Kysely<DB>) {
  return db
    .selectFrom('shake as s')
    .innerJoin('user as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.type',
      's.name',
      's.title',
      's.user_id',
      'u.name as owner_name',
      'u.avatar_key',
      's.image_key',
      's.follower_count',
    ])
    .where('s.deleted', '=', 0)
    .where('u.deleted', '=', 0)
    .where('u.restricted', '=', 0)
    .where('u.nsfw', '=', 0)
    .where(hasLivePost)
}

function toSuggested(row: {
  id: number
  type: ShakeType
  name: string
  title: string
  user_id: number
  owner_name: string
  avatar_key: string | null
  image_key: string | null
  follower_count: number
}): SuggestedShake {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    title: row.title,
    ownerId: row.user_id,
    ownerName: row.owner_name,
    avatarKey: row.avatar_key,
    imageKey: row.image_key,
    followers: Number(row.follower_count),
  }
}

/** The most followed shakes of a type, off the shake_type_followed index. */
export async function mostFollowedShakes(
  db: Kysely<DB>,
  type: ShakeType,
  limit: number,
): Promise<SuggestedShake[]> {
  const rows = await suggestable(db)
    .where('s.type', '=', type)
    .orderBy('s.follower_count', 'desc')
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(toSuggested)
}

/**
 * Who posted the newest originals (one id per post, newest first): a walk down the
 * sharedfile_recent_originals index that reads exactly `posts` rows, however many saves there are.
 */
export async function recentPosterIds(db: Kysely<DB>, posts: number): Promise<number[]> {
  const rows = await db
    .selectFrom('sharedfile as p')
    .select('p.user_id')
    .where('p.original_id', 'is', null)
    .where('p.deleted', '=', 0)
    .orderBy('p.created_at', 'desc')
    .limit(posts)
    .execute()
  return rows.map((r) => r.user_id)
}

/** The personal shakes of these people that may be suggested. */
export async function personalShakesOf(
  db: Kysely<DB>,
  userIds: readonly number[],
): Promise<SuggestedShake[]> {
  if (userIds.length === 0) return []
  const rows = await suggestable(db)
    .where('s.user_id', 'in', userIds)
    .where('s.type', '=', 'user')
    .execute()
  return rows.map(toSuggested)
}

/**
 * Of these shakes, the ones this member should not be offered: their own, those they follow,
 * those whose owner they blocked or muted or who blocked them, those they muted. One statement,
 * each test an index lookup per candidate.
 */
export async function shakesHiddenFrom(
  db: Kysely<DB>,
  viewerId: number,
  shakeIds: readonly number[],
): Promise<Set<number>> {
  if (shakeIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('shake as s')
    .select('s.id')
    .where('s.id', 'in', shakeIds)
    .where((eb) =>
      eb.or([
        eb('s.user_id', '=', viewerId),
        eb.exists(
          eb
            .selectFrom('subscription as f')
            .select('f.id')
            .where('f.user_id', '=', viewerId)
            .whereRef('f.shake_id', '=', 's.id'),
        ),
        eb.exists(
          eb
            .selectFrom('user_block as b')
            .select('b.id')
            .where('b.user_id', '=', viewerId)
            .whereRef('b.blocked_user_id', '=', 's.user_id'),
        ),
        eb.exists(
          eb
            .selectFrom('user_block as b')
            .select('b.id')
            .whereRef('b.user_id', '=', 's.user_id')
            .where('b.blocked_user_id', '=', viewerId),
        ),
        eb.exists(
          eb
            .selectFrom('user_mute as m')
            .select('m.id')
            .where('m.user_id', '=', viewerId)
            .where((m) =>
              m.or([
                m.and([m('m.kind', '=', 'user'), m('m.target_id', '=', m.ref('s.user_id'))]),
                m.and([m('m.kind', '=', 'shake'), m('m.target_id', '=', m.ref('s.id'))]),
              ]),
            ),
        ),
      ]),
    )
    .execute()
  return new Set(rows.map((r) => r.id))
}
