// Liking a post. The like row and the counters change in one short transaction, with an outbox
// row for the follow-up (notification, the like threshold); the answer comes from that commit.
import type { Transaction } from 'kysely'
import type { Database } from '../db/database.js'
import { isMysql } from '../db/dialect.js'
import type { DB } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { blocksWithPostOwner } from '../repositories/blocks.js'
import {
  adjustCounter,
  type Counters,
  deleteFavorite,
  insertFavorite,
  lockCounters,
  readCounters,
} from '../repositories/favorites.js'
import { insertMagicfile } from '../repositories/magicfiles.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost, type Post } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { refuseBlocked } from './blocks.js'
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
    // The block check reads by the post's id, so it runs beside the post's own read.
    const id = idFromShareKey(key)
    const [post, blocks] = await Promise.all([
      livePost(this.db, key),
      id === undefined ? [] : blocksWithPostOwner(this.db, user.id, id),
    ])
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot like your own post.')
    refuseBlocked(user, blocks, 'like this post')
    const credited = creditedPosts(post)
    const state = await inTransaction(this.db, async (trx) => {
      // Lock the counters first: the like row's foreign-key check would otherwise hold a
      // shared lock that deadlocks with the counter update of a concurrent like.
      const locked = await lockCounters(trx, credited, this.mysql)
      const added = await insertFavorite(trx, user.id, post.id)
      if (added) {
        await adjustCounter(trx, 'like_count', credited, 1)
        await enqueue(trx, 'after-like', { userId: user.id, postId: post.id })
      }
      return { added, likeCount: await this.countAfter(trx, locked, post.id, added ? 1 : 0) }
    })
    if (state.added) this.work.kick()
    return { liked: true, likeCount: state.likeCount }
  }

  async unlike(user: User, key: string): Promise<LikeState> {
    const post = await livePost(this.db, key)
    const credited = creditedPosts(post)
    const likeCount = await inTransaction(this.db, async (trx) => {
      const locked = await lockCounters(trx, credited, this.mysql)
      const removed = await deleteFavorite(trx, user.id, post.id)
      if (removed) await adjustCounter(trx, 'like_count', credited, -1)
      return this.countAfter(trx, locked, post.id, removed ? -1 : 0)
    })
    return { liked: false, likeCount }
  }

  /**
   * The post's like count as this transaction commits it. MySQL: the count read under the row
   * lock, plus this transaction's own change (the counter never goes below zero), with no
   * further round trip. SQLite took no lock, so it reads the row it has just written.
   */
  private async countAfter(
    trx: Transaction<DB>,
    locked: ReadonlyMap<number, Counters>,
    postId: number,
    change: -1 | 0 | 1,
  ): Promise<number> {
    const before = locked.get(postId)
    if (before === undefined) return (await readCounters(trx, postId)).likeCount
    return Math.max(0, before.likeCount + change)
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
