// Liking a post. The like row, the counters and the follow-up (the owner's notification, the
// like threshold) change in one short transaction; likes that arrive together commit together
// (like-batches.ts). The answer carries the count that transaction committed.
import type { Database } from '../db/database.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads } from '../jobs/job-names.js'
import { findLikeTarget, findLikeTargets, type LikeTarget } from '../repositories/favorites.js'
import { insertMagicfile } from '../repositories/magicfiles.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { refuseBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { GroupCommit } from './group-commit.js'
import { LikeBatches } from './like-batches.js'
import { idFromShareKey } from './share-keys.js'

export interface LikeState {
  liked: boolean
  likeCount: number
}

/**
 * The posts a like counts for: the post, the one it was saved from, and the original, but never
 * a post of the liker's own (liking a copy of your post does not like your post).
 */
function creditedPosts(post: LikeTarget, likerId: number): number[] {
  const credited = [post.id]
  if (post.parentId !== null && post.parentOwnerId !== likerId) credited.push(post.parentId)
  if (post.originalId !== null && post.originalOwnerId !== likerId) credited.push(post.originalId)
  return [...new Set(credited)]
}

interface TargetRequest {
  postId: number
  actorId: number
}

export class LikeService {
  private readonly batches: LikeBatches
  /**
   * The posts being liked are read the way likes are committed: one alone at rest; the ones
   * asked for while a read runs, together in the next (two statements for any number).
   */
  private readonly targets: GroupCommit<TargetRequest, LikeTarget | undefined>

  constructor(db: Database, magicThreshold: number) {
    this.batches = new LikeBatches(db, magicThreshold)
    this.targets = new GroupCommit(
      (t) => findLikeTarget(db, t.postId, t.actorId),
      (ts) => findLikeTargets(db, ts),
    )
  }

  /** `allowed`: the writer's rate limit, counted while the post is read; it must resolve first. */
  async like(user: User, key: string, allowed?: Promise<void>): Promise<LikeState> {
    const post = await this.target(user, key, allowed)
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot like your own post.')
    refuseBlocked(user, post.blocks, 'like this post')
    const outcome = await this.batches.like({
      userId: user.id,
      postId: post.id,
      ownerId: post.userId,
      credited: creditedPosts(post, user.id),
    })
    return { liked: true, likeCount: outcome.likeCount }
  }

  async unlike(user: User, key: string, allowed?: Promise<void>): Promise<LikeState> {
    const post = await this.target(user, key, allowed)
    const outcome = await this.batches.unlike({
      userId: user.id,
      postId: post.id,
      ownerId: post.userId,
      credited: creditedPosts(post, user.id),
    })
    return { liked: false, likeCount: outcome.likeCount }
  }

  /**
   * The post named by the key, with the blocks between the user and its owner: one read, made
   * while `allowed` settles (a refusal from it wins over a missing post).
   */
  private async target(user: User, key: string, allowed?: Promise<void>): Promise<LikeTarget> {
    const id = idFromShareKey(key)
    const read =
      id === undefined ? undefined : this.targets.submit({ postId: id, actorId: user.id })
    if (allowed) {
      // Settled together: whichever fails first, the other's failure is not left unhandled.
      const [limit] = await Promise.allSettled([allowed, read])
      if (limit.status === 'rejected') throw limit.reason
    }
    const post = await read
    if (!post) throw new ServiceError(404, 'There is no such post. It may have been deleted.')
    return post
  }
}

/**
 * Follow-up of a like queued by an earlier version, which wrote it to the outbox instead of
 * doing it in the like's transaction: rows still waiting after an upgrade are run by this.
 */
export async function afterLike(
  ctx: JobContext,
  payload: JobPayloads['after-like'],
): Promise<void> {
  const post = await findPost(ctx.db, payload.postId)
  if (!post) return
  await insertNotification(ctx.db, {
    type: 'favorite',
    senderId: payload.userId,
    receiverId: post.userId,
    actionId: post.id,
  })
  if (post.likeCount >= ctx.config.magicThreshold) await insertMagicfile(ctx.db, post.id)
}
