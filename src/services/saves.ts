// Saving a post: a new post of the same image in one of the user's shakes, remembering where it
// came from (parent and original), in one transaction with the save counters and the outbox row.
import type { Database } from '../db/database.js'
import { isMysql } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { blocksWithPostOwner } from '../repositories/blocks.js'
import { adjustCounter, lockCounters, readCounters } from '../repositories/favorites.js'
import { insertNotification } from '../repositories/notifications.js'
import {
  addPostToShake,
  findPost,
  findSaveInShake,
  insertSavedPost,
} from '../repositories/posts.js'
import { setPostTags } from '../repositories/tags.js'
import type { User } from '../repositories/users.js'
import { refuseBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { livePost } from './likes.js'
import { postableShake } from './shake-access.js'
import { idFromShareKey, shareKey } from './share-keys.js'
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
    // The block check reads by the post's id, so it runs beside the post's own read.
    const id = idFromShareKey(key)
    const [post, blocks] = await Promise.all([
      livePost(this.db, key),
      id === undefined ? [] : blocksWithPostOwner(this.db, user.id, id),
    ])
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot save your own post.')
    refuseBlocked(user, blocks, 'save this post')
    const shake = await postableShake(this.db, user, shakeId)
    const mysql = isMysql(this.db)
    const counted = [...new Set([post.id, post.originalId ?? post.id])]
    const result = await inTransaction(this.db, async (trx) => {
      // Saves of one post queue up behind this lock, so "saved twice" is seen, not raced.
      const locked = await lockCounters(trx, counted, mysql)
      const existing = await findSaveInShake(trx, user.id, post.id, shake.id)
      let saved = { id: existing ?? 0, created: false }
      if (!existing) {
        saved = { id: await insertSavedPost(trx, { userId: user.id, from: post }), created: true }
        await addPostToShake(trx, shake.id, saved.id)
        await setPostTags(trx, saved.id, extractTags(post.description))
        await adjustCounter(trx, 'save_count', counted, 1)
        await enqueue(trx, 'after-save', { userId: user.id, postId: post.id, savedId: saved.id })
        await enqueue(trx, 'fan-out-post', { postId: saved.id })
      }
      // The count as this transaction commits it: read under the lock (MySQL), or after the
      // writes (SQLite, which took no lock).
      const before = locked.get(post.id)
      const saveCount = before
        ? before.saveCount + (saved.created ? 1 : 0)
        : (await readCounters(trx, post.id)).saveCount
      return { ...saved, saveCount }
    })
    if (result.created) this.work.kick()
    return { key: shareKey(result.id), created: result.created, saveCount: result.saveCount }
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
