// Following people and shakes, and the friend timeline built from it: new posts fan out to
// followers by a job, and a new follow back-fills the follower's timeline.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobCheckpoint, JobContext } from '../jobs/job-context.js'
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
import {
  addToFollowerTimelines,
  addToTimelines,
  followerChunkEnd,
  shakesOfPost,
} from '../repositories/timeline.js'
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
    // The follow and the shake's follower count go together.
    await inTransaction(this.db, (trx) => deleteSubscription(trx, user.id, shake.id))
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

/** Waits until `spanMs` have passed since `started`: the chunk's share of the rate ceiling. */
async function pace(started: number, spanMs: number): Promise<void> {
  const wait = started + spanMs - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

/** How far a fan-out got: the shake it was in, and the last follower (user id) done there. */
interface FanOutMark {
  shakeId: number
  after: number
}

function fanOutMark(saved: unknown): FanOutMark | undefined {
  const mark = saved as Partial<FanOutMark> | undefined
  return typeof mark?.shakeId === 'number' && typeof mark.after === 'number'
    ? { shakeId: mark.shakeId, after: mark.after }
    : undefined
}

/**
 * A new post reaches the timelines of everyone following its shakes, and its poster's. The
 * followers are walked in user-id order, a chunk per INSERT ... SELECT, so memory stays flat
 * however many there are; after each chunk the job notes where it is (the checkpoint), and a
 * run after a kill resumes there. Without a checkpoint a rerun starts over and adds nothing
 * twice: each statement skips readers who already have the post or its image.
 */
export async function fanOutPost(
  ctx: JobContext,
  payload: JobPayloads['fan-out-post'],
  checkpoint?: JobCheckpoint,
): Promise<void> {
  const post = await findPost(ctx.db, payload.postId)
  if (!post) return
  const shakeIds = (await shakesOfPost(ctx.db, post.id)).sort((a, b) => a - b)
  const [first] = shakeIds
  if (first === undefined) return
  const entry = (shakeId: number) => ({
    sharedfileId: post.id,
    sourcefileId: post.sourcefile.id,
    shakeId,
  })
  const { chunk, rowsPerSecond } = ctx.config.fanOut
  const mark = fanOutMark(checkpoint?.saved)
  if (!mark) await addToTimelines(ctx.db, [post.userId], entry(first))
  for (const shakeId of shakeIds) {
    if (mark && shakeId < mark.shakeId) continue
    let after = mark?.shakeId === shakeId ? mark.after : 0
    for (;;) {
      const started = Date.now()
      const upTo = await followerChunkEnd(ctx.db, shakeId, after, chunk)
      await addToFollowerTimelines(ctx.db, shakeId, { after, upTo }, entry(shakeId))
      if (upTo === undefined) break
      if (rowsPerSecond > 0) await pace(started, (chunk / rowsPerSecond) * 1000)
      after = upTo
      await checkpoint?.save({ shakeId, after } satisfies FanOutMark)
    }
  }
}
