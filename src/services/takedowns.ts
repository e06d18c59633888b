// Taking an image down: one moderator action that removes every post of the image (all users,
// all shakes, timelines), marks the image so the same bytes cannot be posted again, logs who
// did it and why, and deletes every file of it from storage. The rows change in one
// transaction first; the files go after the commit, and running the takedown again retries
// any file that could not be deleted.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { insertLogEntry } from '../repositories/moderation-log.js'
import {
  findImageOfPost,
  isImageTakenDown,
  isPostTakenDown,
  takeDownImage,
} from '../repositories/takedowns.js'
import type { User } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { ServiceError } from './errors.js'
import { checkedModeratorNote } from './moderation-rules.js'
import { assertRole } from './roles.js'
import { idFromShareKey } from './share-keys.js'

export interface TakedownResult {
  removedPosts: number
  deletedFiles: number
}

/** Every file of an image lives under this prefix (renditions, and anything made later). */
export function imageFolder(sha1: string): string {
  return `i/${sha1}/`
}

export class TakedownService {
  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
  ) {}

  async takeDown(moderator: User, key: string, noteInput: string): Promise<TakedownResult> {
    assertRole(moderator, 'moderator')
    const note = checkedModeratorNote(noteInput, { required: true })
    const id = idFromShareKey(key)
    const image = id === undefined ? undefined : await findImageOfPost(this.db, id)
    if (!image) throw new ServiceError(404, 'There is no post with that key.')
    const removedPosts = await inTransaction(this.db, async (trx) => {
      const removed = await takeDownImage(trx, image.sourcefileId)
      await insertLogEntry(trx, {
        moderatorId: moderator.id,
        action: 'takedown',
        targetUserId: image.posterId,
        sourcefileId: image.sourcefileId,
        detail: `image ${image.sha1.slice(0, 12)} from ${key}: ${removed} posts removed`,
        note,
      })
      return removed
    })
    const stored = await this.store.list(imageFolder(image.sha1))
    const keys = [...new Set([...image.renditionKeys, ...stored])]
    await this.store.delete(keys)
    return { removedPosts, deletedFiles: stored.length }
  }

  /** For /p/KEY and /r/KEY: a post whose image was taken down is gone (410), not unknown. */
  async isTakenDown(key: string): Promise<boolean> {
    const id = idFromShareKey(key)
    return id !== undefined && isPostTakenDown(this.db, id)
  }
}

/** Refuses bytes a moderator took down (checked before any work is done on an upload). */
export async function refuseTakenDownImage(db: Database, sha1: string): Promise<void> {
  if (await isImageTakenDown(db, sha1))
    throw new ServiceError(
      403,
      'This image was taken down by the moderators and cannot be posted again.',
    )
}
