// Saving a post: a new post of the same image in one of the user's shakes, remembering where it
// came from (parent and original), in one transaction with the save counters, the owner's
// notification and the outbox row of the new post's fan-out.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueueAll } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { blocksWithPostOwner } from '../repositories/blocks.js'
import { insertNotification } from '../repositories/notifications.js'
import { bumpCounter, readCounters } from '../repositories/post-counters.js'
import {
  addPostToShake,
  findPost,
  findSaveInShake,
  insertSavedPost,
  lockPoster,
} from '../repositories/posts.js'
import { setPostTags } from '../repositories/tags.js'
import type { User } from '../repositories/users.js'
import { refuseBlocked } from './blocks.js'
import { ServiceError } from './errors.js'
import { livePost } from './posts.js'
import { postableShake } from './shake-access.js'
import { idFromShareKey, shareKey } from './share-keys.js'
import { extractTags } from './tag-rules.js'

export interface SaveResult {
  key: string
  created: boolean
  saveCount: number
}

/** Thrown inside the save's transaction when the user already saved the post there: undoes it. */
class AlreadySaved extends Error {
  constructor(readonly savedId: number) {
    super('already saved')
  }
}

export class SaveService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

  async save(user: User, key: string, shakeId: string): Promise<SaveResult> {
    // The block check reads by the post's id, so it runs beside the post's own read.
    const id = idFromShareKey(key)
    // So does the shake's: its refusal, if any, is kept until the post's checks have passed.
    const [post, blocks, shake] = await Promise.all([
      livePost(this.db, key),
      id === undefined ? [] : blocksWithPostOwner(this.db, user.id, id),
      postableShake(this.db, user, shakeId).catch((error: unknown) => ({ refused: error })),
    ])
    if (post.userId === user.id) throw new ServiceError(403, 'You cannot save your own post.')
    refuseBlocked(user, blocks, 'save this post')
    if ('refused' in shake) throw shake.refused
    const counted = [...new Set([post.id, post.originalId ?? post.id])]
    let result: { id: number; created: boolean; saveCount: number }
    try {
      result = await inTransaction(this.db, async (trx) => {
        // The saver's own saves in turn (their row's lock), so "saved twice" is seen, not raced.
        await lockPoster(trx, user.id)
        const existing = await findSaveInShake(trx, user.id, post.id, shake.id)
        if (existing) throw new AlreadySaved(existing)
        const savedId = await insertSavedPost(trx, { userId: user.id, from: post })
        await addPostToShake(trx, shake.id, savedId)
        const tags = extractTags(post.description)
        if (tags.length > 0) await setPostTags(trx, savedId, tags)
        await insertNotification(trx, {
          type: 'save',
          senderId: user.id,
          receiverId: post.userId,
          actionId: post.id,
        })
        await enqueueAll(trx, [{ job: 'fan-out-post', payload: { postId: savedId } }])
        // The counter last: every save of a popular post takes its row, so the row is held
        // for the commit alone, not for the whole save. The count comes back with the update.
        const saveCount = await bumpCounter(trx, 'save_count', counted, 1, post.id)
        return { id: savedId, created: true, saveCount }
      })
    } catch (error) {
      if (!(error instanceof AlreadySaved)) throw error
      // Saved there before: the counter's change is undone with the transaction.
      const { saveCount } = await readCounters(this.db, post.id)
      result = { id: error.savedId, created: false, saveCount }
    }
    if (result.created) this.work.kick()
    return { key: shareKey(result.id), created: result.created, saveCount: result.saveCount }
  }
}

/**
 * Follow-up of a save queued by an earlier version (saves now write the notification in their
 * own transaction): rows still waiting after an upgrade are run by this.
 */
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
