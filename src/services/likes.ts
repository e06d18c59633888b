// Liking a post. The like row and the counters change in one short transaction, with an outbox
// row for the follow-up (notification, the like threshold); the answer comes from that commit.
import type { Database } from '../db/database.js'
import { isMysql } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import {
  adjustCounter,
  deleteFavorite,
  insertFavorite,
  likeCount,
} from '../repositories/favorites.js'
import { insertMagicfile } from '../repositories/magicfiles.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost, lockPosts, type Post } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { refuseIfBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
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

export class LikeService {
  private readonly mysql: boolean

  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {
    this.mysql = isMysql(db)
  }

  async like(user: User, key: string): Promise<LikeState> {
    const post = await livePost(this.db, key)
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot like your own post.')
    await refuseIfBlocked(this.db, user, [post.userId], 'like this post')
    const credited = creditedPosts(post)
    const added = await inTransaction(this.db, async (trx) => {
      // Lock the counters first: the like row's foreign-key check would otherwise hold a
      // shared lock that deadlocks with the counter update of a concurrent like.
      await lockPosts(trx, credited, this.mysql)
      if (!(await insertFavorite(trx, user.id, post.id))) return false
      await adjustCounter(trx, 'like_count', credited, 1)
      await enqueue(trx, 'after-like', { userId: user.id, postId: post.id })
      return true
    })
    if (added) this.work.kick()
    return { liked: true, likeCount: await likeCount(this.db, post.id) }
  }

  async unlike(user: User, key: string): Promise<LikeState> {
    const post = await livePost(this.db, key)
    const credited = creditedPosts(post)
    await inTransaction(this.db, async (trx) => {
      await lockPosts(trx, credited, this.mysql)
      if (await deleteFavorite(trx, user.id, post.id))
        await adjustCounter(trx, 'like_count', credited, -1)
    })
    return { liked: false, likeCount: await likeCount(this.db, post.id) }
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
