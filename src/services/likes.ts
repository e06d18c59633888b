// Liking a post. The like row and the counters change in one short transaction, with an outbox
// row for the follow-up (notification, the like threshold); likes that arrive together commit
// together (like-batches.ts). The answer carries the count that transaction committed.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { blocksWithPostOwner } from '../repositories/blocks.js'
import { bumpCounter, deleteFavorite, readCounters } from '../repositories/favorites.js'
import { insertMagicfile } from '../repositories/magicfiles.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost, type Post } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { refuseBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { LikeBatches } from './like-batches.js'
import { idFromShareKey } from './share-keys.js'

export interface LikeState {
  liked: boolean
  likeCount: number
}

/** The posts a like counts for: the post, the one it was saved from, and the original. */
function creditedPosts(post: Post): number[] {
  return [
    ...new Set([post.id, post.parentId, post.originalId].filter((id): id is number => id !== null)),
  ]
}

export async function livePost(db: Database, key: string): Promise<Post> {
  const id = idFromShareKey(key)
  const post = id === undefined ? undefined : await findPost(db, id)
  if (!post) throw new ServiceError(404, 'There is no such post. It may have been deleted.')
  return post
}

/** Thrown inside a transaction whose action turned out to change nothing: undoes it. */
class NothingChanged extends Error {}

export class LikeService {
  private readonly batches: LikeBatches

  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {
    this.batches = new LikeBatches(db)
  }

  async like(user: User, key: string): Promise<LikeState> {
    // The block check reads by the post's id, so it runs beside the post's own read.
    const id = idFromShareKey(key)
    const [post, blocks] = await Promise.all([
      livePost(this.db, key),
      id === undefined ? [] : blocksWithPostOwner(this.db, user.id, id),
    ])
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot like your own post.')
    refuseBlocked(user, blocks, 'like this post')
    const outcome = await this.batches.like({
      userId: user.id,
      postId: post.id,
      credited: creditedPosts(post),
    })
    if (outcome.added) this.work.kick()
    return { liked: true, likeCount: outcome.likeCount }
  }

  async unlike(user: User, key: string): Promise<LikeState> {
    const post = await livePost(this.db, key)
    const credited = creditedPosts(post)
    try {
      const likeCount = await inTransaction(this.db, async (trx) => {
        // The post's row first, as a like takes it: the two never wait on each other crosswise.
        const count = await bumpCounter(trx, 'like_count', credited, -1, post.id)
        if (!(await deleteFavorite(trx, user.id, post.id))) throw new NothingChanged()
        return count
      })
      return { liked: false, likeCount }
    } catch (error) {
      if (!(error instanceof NothingChanged)) throw error
      return { liked: false, likeCount: (await readCounters(this.db, post.id)).likeCount }
    }
  }
}

/** Follow-up of a like: tell the owner, and mark the post once it crosses the threshold. */
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
