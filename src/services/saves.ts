// Saving a post: a new post of the same image in one of the user's shakes, remembering where it
// came from (parent and original), in one transaction with the save counters and the outbox row.
import type { Database } from '../db/database.js'
import { isMysql } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { adjustCounter } from '../repositories/favorites.js'
import { insertNotification } from '../repositories/notifications.js'
import {
  addPostToShake,
  findPost,
  findSaveInShake,
  insertSavedPost,
  lockPosts,
} from '../repositories/posts.js'
import { setPostTags } from '../repositories/tags.js'
import type { User } from '../repositories/users.js'
import { refuseIfBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { livePost } from './likes.js'
import { postableShake } from './shake-access.js'
import { shareKey } from './share-keys.js'
import { extractTags } from './tag-rules.js'

export interface SaveResult {
  key: string
  created: boolean
  saveCount: number
}

export class SaveService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

  async save(user: User, key: string, shakeId: string): Promise<SaveResult> {
    const post = await livePost(this.db, key)
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot save your own post.')
    await refuseIfBlocked(this.db, user, [post.userId], 'save this post')
    const shake = await postableShake(this.db, user, shakeId)
    const mysql = isMysql(this.db)
    const result = await inTransaction(this.db, async (trx) => {
      // Saves of one post queue up behind this lock, so "saved twice" is seen, not raced.
      await lockPosts(trx, [...new Set([post.id, post.originalId ?? post.id])], mysql)
      const existing = await findSaveInShake(trx, user.id, post.id, shake.id)
      if (existing) return { id: existing, created: false }
      const id = await insertSavedPost(trx, { userId: user.id, from: post })
      await addPostToShake(trx, shake.id, id)
      await setPostTags(trx, id, extractTags(post.description))
      await adjustCounter(trx, 'save_count', [...new Set([post.id, post.originalId ?? post.id])], 1)
      await enqueue(trx, 'after-save', { userId: user.id, postId: post.id, savedId: id })
      await enqueue(trx, 'fan-out-post', { postId: id })
      return { id, created: true }
    })
    if (result.created) this.work.kick()
    const updated = await findPost(this.db, post.id)
    return {
      key: shareKey(result.id),
      created: result.created,
      saveCount: updated?.saveCount ?? post.saveCount,
    }
  }
}

/** Follow-up of a save: tell the owner of the post that was saved. */
export async function afterSave(
  ctx: JobContext,
  payload: JobPayloads['after-save'],
): Promise<void> {
  const post = await findPost(ctx.db, payload.postId)
  if (!post) return
  await insertNotification(ctx.db, {
    type: 'save',
    senderId: payload.userId,
    receiverId: post.userId,
    actionId: post.id,
  })
}
