// Following people and shakes, and the friend timeline built from it: new posts fan out to
// followers by a job, and a new follow back-fills the follower's timeline.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost, listShakePosts } from '../repositories/posts.js'
import {
  findPersonalShakeByUserName,
  findShakeById,
  findShakeByName,
  type Shake,
} from '../repositories/shakes.js'
import {
  deleteSubscription,
  type FollowEntry,
  followersOf,
  followingOf,
  insertSubscription,
  isSubscribed,
} from '../repositories/subscriptions.js'
import { addToTimelines, shakesOfPost, subscriberIds } from '../repositories/timeline.js'
import { findUserByName, type User } from '../repositories/users.js'
import { refuseIfBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { queueMail } from './mail-delivery.js'
import { shakeByAddressId } from './shake-by-id.js'

const BACKFILL_POSTS = 20

export class FollowService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

  /** The personal shake of the user with this name. */
  async shakeOfUser(name: string): Promise<{ user: User; shake: Shake }> {
    const [user, shake] =
      name.length <= 64
        ? await Promise.all([
            findUserByName(this.db, name),
            findPersonalShakeByUserName(this.db, name),
          ])
        : []
    if (!user || !shake) throw new ServiceError(404, 'There is no such person.')
    return { user, shake }
  }

  async shakeByName(name: string): Promise<Shake> {
    const shake = name.length <= 64 ? await findShakeByName(this.db, name) : undefined
    if (!shake) throw new ServiceError(404, 'There is no such shake.')
    return shake
  }

  shakeById(id: string): Promise<Shake> {
    return shakeByAddressId(this.db, id)
  }

  async follow(user: User, shake: Shake): Promise<void> {
    if (shake.userId === user.id && shake.type === 'user') {
      throw new ServiceError(403, 'You cannot follow yourself.')
    }
    await refuseIfBlocked(
      this.db,
      user,
      [shake.userId],
      shake.type === 'user' ? 'follow them' : 'follow this shake',
    )
    const added = await inTransaction(this.db, async (trx) => {
      if (!(await insertSubscription(trx, user.id, shake.id))) return false
      await enqueue(trx, 'after-follow', { userId: user.id, shakeId: shake.id })
      return true
    })
    if (added) this.work.kick()
  }

  async unfollow(user: User, shake: Shake): Promise<void> {
    await deleteSubscription(this.db, user.id, shake.id)
  }

  isFollowing(user: User, shake: Shake): Promise<boolean> {
    return isSubscribed(this.db, user.id, shake.id)
  }

  followers(shake: Shake): Promise<FollowEntry[]> {
    return followersOf(this.db, shake.id)
  }

  following(user: User): Promise<FollowEntry[]> {
    return followingOf(this.db, user.id)
  }
}

/** Follow-up of a follow: tell the shake's owner, and fill the follower's timeline. */
export async function afterFollow(
  ctx: JobContext,
  payload: JobPayloads['after-follow'],
): Promise<void> {
  const shake = await findShakeById(ctx.db, payload.shakeId)
  if (!shake) return
  await inTransaction(ctx.db, async (trx) => {
    const notified = await insertNotification(trx, {
      type: 'subscriber',
      senderId: payload.userId,
      receiverId: shake.userId,
      actionId: shake.id,
    })
    // Only a first follow mails the owner: a job run twice, or unfollow and follow again, does not.
    if (notified) {
      await queueMail(trx, {
        mail: 'newFollower',
        userId: shake.userId,
        fromUserId: payload.userId,
        shakeId: shake.id,
      })
    }
  })
  const recent = await listShakePosts(ctx.db, shake.id, { limit: BACKFILL_POSTS })
  // Oldest first, so that of two posts of one image the earlier one is the one kept.
  for (const post of recent.reverse()) {
    await addToTimelines(ctx.db, [payload.userId], {
      sharedfileId: post.id,
      sourcefileId: post.sourcefile.id,
      shakeId: shake.id,
    })
  }
}

/** A new post reaches the timelines of everyone following its shakes, and its poster's. */
export async function fanOutPost(
  ctx: JobContext,
  payload: JobPayloads['fan-out-post'],
): Promise<void> {
  const post = await findPost(ctx.db, payload.postId)
  if (!post) return
  for (const shakeId of await shakesOfPost(ctx.db, post.id)) {
    const readers = new Set([post.userId, ...(await subscriberIds(ctx.db, shakeId))])
    await addToTimelines(ctx.db, [...readers], {
      sharedfileId: post.id,
      sourcefileId: post.sourcefile.id,
      shakeId,
    })
  }
}
