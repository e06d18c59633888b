// Deleting an account, by its owner (with their password) or by a moderator (with a reason).
// The request marks the account deleted and signs it out everywhere in one transaction, so it
// stops working at once; a job then erases what it left behind.
//
// Decisions:
// - A group shake the user owns goes to its longest-standing member: members' posts live there
//   and people follow it, so deleting it would destroy other people's work. A group shake
//   without members (nobody else may post there) is deleted with the account.
// - The name stays reserved: the user row remains as a tombstone (id, name, deleted flag; no
//   address, password or profile). Links to /user/NAME and @mentions in other people's comments
//   would otherwise lead to whoever took the name next. The email address is freed at once.

import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import {
  allPostIdsOf,
  commentsLikedBy,
  erasePosts,
  eraseShake,
  eraseUnusedSourcefiles,
  eraseUserRows,
  imagesOnlyUsedBy,
  isMarkedDeleted,
  longestMember,
  markUserDeleted,
  postsCreditedBy,
  privateKeysOf,
  recountCommentLikes,
  reduceToTombstone,
  shakesOwnedBy,
  transferShake,
} from '../repositories/account-erasure.js'
import { deleteUserSessions } from '../repositories/sessions.js'
import type { User } from '../repositories/users.js'
import { shakeImageFiles } from '../storage/shake-image-files.js'
import type { AccountService } from './accounts.js'
import { recountPosts } from './counter-reconciler.js'
import type { UserChanges } from './session-cache.js'

export interface DeletionRequest {
  /** Why: "self-service" for the owner, a moderator's words otherwise. Logged by the job. */
  reason: string
  /** Who asked: the user themself or a moderator. */
  requestedBy: number
}

export class AccountDeletionService {
  constructor(
    private readonly db: Database,
    private readonly accounts: AccountService,
    private readonly work: WorkSignal,
    private readonly users: UserChanges,
  ) {}

  /** The owner's own request, confirmed with their password. */
  async deleteOwnAccount(user: User, password: string): Promise<void> {
    await this.accounts.checkCurrentPassword(user.id, password)
    await this.request(user.id, { reason: 'self-service', requestedBy: user.id })
  }

  /**
   * Deletes any account (self-service or moderation). Returns false when the account was
   * already deleted. The account is signed out and unable to sign in when this returns.
   */
  async request(userId: number, request: DeletionRequest): Promise<boolean> {
    const marked = await inTransaction(this.db, async (trx) => {
      if (!(await markUserDeleted(trx, userId))) return false
      await deleteUserSessions(trx, userId)
      await enqueue(trx, 'delete-account', {
        userId,
        reason: request.reason.slice(0, 1000),
        requestedBy: request.requestedBy,
      })
      return true
    })
    if (marked) {
      // No node may keep serving the sessions just deleted.
      await this.users.userChanged(userId)
      this.work.kick()
    }
    return marked
  }
}

/** The job: erases the account's data and files; safe to run again after a failure. */
export async function deleteAccount(
  ctx: JobContext,
  payload: JobPayloads['delete-account'],
): Promise<void> {
  const { db } = ctx
  const { userId } = payload
  // Only ever erase an account the request marked: a stray job must not touch a live one.
  if (!(await isMarkedDeleted(db, userId))) {
    ctx.log.warn({ userId }, 'delete-account skipped: the account is not marked deleted')
    return
  }
  const shakes = await shakesOwnedBy(db, userId)
  const heirs = new Map<number, number | undefined>()
  for (const shake of shakes) {
    heirs.set(shake.id, shake.type === 'group' ? await longestMember(db, shake.id) : undefined)
  }
  const images = await imagesOnlyUsedBy(db, userId)

  // Files first: if the store fails, the job fails while the rows that name the files remain,
  // and the next attempt finds them again. Deleting a missing file is not an error.
  const { store } = ctx
  await store.delete([
    ...images.flatMap((image) => image.keys),
    ...(await privateKeysOf(db, userId)),
    ...shakes
      .filter((shake) => heirs.get(shake.id) === undefined)
      .flatMap((shake) => (shake.imageKey ? shakeImageFiles(shake.imageKey) : [])),
  ])

  const summary = await inTransaction(db, async (trx) => {
    const credited = await postsCreditedBy(trx, userId)
    const likedComments = await commentsLikedBy(trx, userId)
    const postIds = await allPostIdsOf(trx, userId)
    let transferred = 0
    for (const shake of shakes) {
      const heir = heirs.get(shake.id)
      if (heir === undefined) await eraseShake(trx, shake.id)
      else {
        await transferShake(trx, shake.id, heir)
        transferred++
      }
    }
    await erasePosts(trx, postIds)
    await eraseUserRows(trx, userId)
    await eraseUnusedSourcefiles(
      trx,
      images.map((image) => image.id),
    )
    const own = new Set(postIds)
    const others = credited.filter((id) => !own.has(id))
    await recountPosts(trx, others)
    await recountCommentLikes(trx, likedComments)
    await reduceToTombstone(trx, userId)
    return { posts: postIds.length, transferred, recounted: others.length }
  })
  ctx.log.info(
    {
      userId,
      requestedBy: payload.requestedBy,
      reason: payload.reason,
      files: images.length,
      ...summary,
    },
    'account deleted',
  )
}
