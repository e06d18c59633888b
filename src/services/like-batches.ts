// Group commit for likes. While one transaction of likes is committing, the likes that arrive
// wait, and then commit together in the next: a fixed handful of statements for the whole
// batch, and a hot post's row locked once per batch instead of once per like. At rest a batch
// is one like and takes the shortest path; under a flood the batches grow, so a node takes far
// more likes than it could commit one by one. Nothing is answered before its batch commits.
import type { Transaction } from 'kysely'
import type { Database } from '../db/database.js'
import type { DB } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue, enqueueAll } from '../jobs/enqueue.js'
import {
  addToLikeCounts,
  bumpCounter,
  existingLikes,
  insertFavorite,
  insertFavorites,
  lockLikeCounts,
  readCounters,
} from '../repositories/favorites.js'

export interface LikeRequest {
  userId: number
  postId: number
  /** The posts the like counts for: the post, and the posts it was saved from. */
  credited: readonly number[]
}

export interface LikeOutcome {
  /** False when the user had already liked the post. */
  added: boolean
  /** The post's like count as the like's commit left it. */
  likeCount: number
}

interface Waiting extends LikeRequest {
  resolve(outcome: LikeOutcome): void
  reject(error: unknown): void
}

/** Thrown inside a transaction whose only like turned out to exist already: undoes it. */
class AlreadyLiked extends Error {}

/** The largest batch: bounds one transaction's statements and the rows it locks. */
const MAX_BATCH = 500

export class LikeBatches {
  private waiting: Waiting[] = []
  private committing = false

  constructor(private readonly db: Database) {}

  like(request: LikeRequest): Promise<LikeOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...request, resolve, reject })
      if (!this.committing) void this.commitWaiting()
    })
  }

  private async commitWaiting(): Promise<void> {
    this.committing = true
    try {
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_BATCH))
    } finally {
      this.committing = false
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const [only] = batch
    if (batch.length === 1 && only) {
      await likeAlone(this.db, only).then(only.resolve, only.reject)
      return
    }
    try {
      const outcomes = await inTransaction(this.db, (trx) => likeTogether(trx, batch))
      for (const [i, like] of batch.entries()) like.resolve(outcomes[i] as LikeOutcome)
    } catch {
      // One like that cannot be written (its user or post gone meanwhile) must not fail the
      // others: each goes again on its own, and only its own error is its answer.
      for (const like of batch) await likeAlone(this.db, like).then(like.resolve, like.reject)
    }
  }
}

/**
 * One like in three statements: the outbox row while no lock is held; the counter, whose
 * update locks the post's row and answers with the new count; the like row. The counter comes
 * before the row because the row's foreign-key check takes a shared lock on the post, which
 * two likes would each hold while waiting for the other's counter update.
 */
async function likeAlone(db: Database, like: LikeRequest): Promise<LikeOutcome> {
  try {
    const likeCount = await inTransaction(db, async (trx) => {
      await enqueue(trx, 'after-like', { userId: like.userId, postId: like.postId })
      const count = await bumpCounter(trx, 'like_count', like.credited, 1, like.postId)
      if (!(await insertFavorite(trx, like.userId, like.postId))) throw new AlreadyLiked()
      return count
    })
    return { added: true, likeCount }
  } catch (error) {
    if (!(error instanceof AlreadyLiked)) throw error
    // Liked before: the transaction is undone, the count is as it stands.
    return { added: false, likeCount: (await readCounters(db, like.postId)).likeCount }
  }
}

/**
 * A batch in five statements, whatever its size: the counters read (and locked, MySQL) first,
 * the likes that already exist, the new like rows, the counters, the outbox rows. Each like's
 * count is the post's count after the likes before it in the batch, so that the answers of a
 * batch of likes of one post count up one by one, as if committed one after the other.
 */
async function likeTogether(
  trx: Transaction<DB>,
  batch: readonly LikeRequest[],
): Promise<LikeOutcome[]> {
  const postIds = [...new Set(batch.flatMap((like) => like.credited))]
  const counts = await lockLikeCounts(trx, postIds)
  const seen = await existingLikes(trx, batch)
  const added: LikeRequest[] = []
  const outcomes = batch.map((like) => {
    const key = `${like.userId}:${like.postId}`
    const isNew = !seen.has(key)
    seen.add(key)
    if (isNew) {
      added.push(like)
      for (const id of like.credited) counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    return { added: isNew, likeCount: counts.get(like.postId) ?? 0 }
  })
  const deltas = new Map<number, number>()
  for (const like of added)
    for (const id of like.credited) deltas.set(id, (deltas.get(id) ?? 0) + 1)
  await insertFavorites(trx, added)
  await addToLikeCounts(trx, deltas)
  await enqueueAll(
    trx,
    added.map((like) => ({
      job: 'after-like' as const,
      payload: { userId: like.userId, postId: like.postId },
    })),
  )
  return outcomes
}
