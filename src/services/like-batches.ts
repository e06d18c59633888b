// Likes and unlikes under load: each goes through a group commit (group-commit.ts), so a hot
// post's row is locked once per batch instead of once per like, and a batch costs a fixed
// handful of statements whatever its size. Each answer still carries the count its commit
// left: within a batch, the likes of a post count up one by one, as if committed in turn.
//
// A like's follow-up (the owner's notification; the post marked once it reaches the like
// threshold) is written in the like's own transaction. It is one statement, the same cost as
// the outbox row that used to describe it, and it spares the relay's claim, a queued job and
// the worker's run of it for every like: measured, that work cost more CPU than the like.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import {
  deleteFavorite,
  deleteFavorites,
  existingLikes,
  insertFavorite,
  insertFavorites,
} from '../repositories/favorites.js'
import { changeLikesGiven } from '../repositories/likes-given.js'
import { insertMagicfiles } from '../repositories/magicfiles.js'
import { insertNotifications, type NewNotification } from '../repositories/notifications.js'
import {
  addToPostCounters,
  bumpCounter,
  lockLikeCounts,
  readCounters,
} from '../repositories/post-counters.js'
import { GroupCommit } from './group-commit.js'

export interface LikeRequest {
  userId: number
  postId: number
  /** Who posted it: told of a new like. */
  ownerId: number
  /** The posts the like counts for: the post, and the posts it was saved from. */
  credited: readonly number[]
}

export interface LikeOutcome {
  /** False when nothing changed: the like was there already (like), or was not (unlike). */
  changed: boolean
  /** The post's like count as the commit left it. */
  likeCount: number
}

/** Thrown inside a transaction whose action turned out to change nothing: undoes it. */
class NothingChanged extends Error {}

export class LikeBatches {
  private readonly likes: GroupCommit<LikeRequest, LikeOutcome>
  private readonly unlikes: GroupCommit<LikeRequest, LikeOutcome>

  /** `magicThreshold`: the like count at which a post is marked (magicfile, /popular's pick). */
  constructor(db: Database, magicThreshold: number) {
    this.likes = new GroupCommit(
      (like) => likeAlone(db, like, magicThreshold),
      (batch) => inTransaction(db, (trx) => changeTogether(trx, batch, 1, magicThreshold)),
    )
    this.unlikes = new GroupCommit(
      (unlike) => unlikeAlone(db, unlike),
      (batch) => inTransaction(db, (trx) => changeTogether(trx, batch, -1, magicThreshold)),
    )
  }

  like(request: LikeRequest): Promise<LikeOutcome> {
    return this.likes.submit(request)
  }

  unlike(request: LikeRequest): Promise<LikeOutcome> {
    return this.unlikes.submit(request)
  }
}

/** The count as it stands, after a transaction that changed nothing was undone. */
async function unchanged(db: Database, error: unknown, postId: number): Promise<LikeOutcome> {
  if (!(error instanceof NothingChanged)) throw error
  return { changed: false, likeCount: (await readCounters(db, postId)).likeCount }
}

/**
 * One like in four statements: the counter, whose update locks the post's row and answers
 * with the new count; the like row; the liker's count of likes given (their own row, after the
 * post's, as every like takes them); the owner's notification. The counter comes before the row
 * because the row's foreign-key check takes a shared lock on the post, which two likes would
 * each hold while waiting for the other's counter update. The like that brings the post to the
 * threshold marks it (a fifth statement, once in the post's life).
 */
async function likeAlone(
  db: Database,
  like: LikeRequest,
  magicThreshold: number,
): Promise<LikeOutcome> {
  try {
    const likeCount = await inTransaction(db, async (trx) => {
      const count = await bumpCounter(trx, 'like_count', like.credited, 1, like.postId)
      if (!(await insertFavorite(trx, like.userId, like.postId))) throw new NothingChanged()
      await changeLikesGiven(trx, new Map([[like.userId, 1]]))
      await insertNotifications(trx, [notificationOf(like)])
      if (count === magicThreshold) await insertMagicfiles(trx, [like.postId])
      return count
    })
    return { changed: true, likeCount }
  } catch (error) {
    return unchanged(db, error, like.postId)
  }
}

function notificationOf(like: LikeRequest): NewNotification {
  return {
    type: 'favorite',
    senderId: like.userId,
    receiverId: like.ownerId,
    actionId: like.postId,
  }
}

/** One unlike in three statements: the counter (the post's row first, as a like takes it), the row, the liker's count. */
async function unlikeAlone(db: Database, unlike: LikeRequest): Promise<LikeOutcome> {
  try {
    const likeCount = await inTransaction(db, async (trx) => {
      const count = await bumpCounter(trx, 'like_count', unlike.credited, -1, unlike.postId)
      if (!(await deleteFavorite(trx, unlike.userId, unlike.postId))) throw new NothingChanged()
      await changeLikesGiven(trx, new Map([[unlike.userId, -1]]))
      return count
    })
    return { changed: true, likeCount }
  } catch (error) {
    return unchanged(db, error, unlike.postId)
  }
}

/**
 * A batch of likes (+1) or unlikes (-1) in seven statements at most, whatever its size: the
 * counters read (and locked, MySQL) first, the likes that exist, the rows written, the
 * counters, the likers' counts of likes given, and for new likes the owners' notifications and the posts that reached the
 * threshold.
 */
async function changeTogether(
  trx: Parameters<typeof lockLikeCounts>[0],
  batch: readonly LikeRequest[],
  direction: 1 | -1,
  magicThreshold: number,
): Promise<LikeOutcome[]> {
  const counts = await lockLikeCounts(trx, [...new Set(batch.flatMap((l) => l.credited))])
  const before = new Map(counts)
  const liked = await existingLikes(trx, batch)
  const changed: LikeRequest[] = []
  const deltas = new Map<number, number>()
  const outcomes = batch.map((like) => {
    const key = `${like.userId}:${like.postId}`
    // A like changes something when the row is not there yet; an unlike, when it is.
    const changes = liked.has(key) === direction < 0
    if (changes) {
      if (direction > 0) liked.add(key)
      else liked.delete(key)
      changed.push(like)
      for (const id of like.credited) {
        // A counter never goes below zero (the unlike path's rule too).
        const before = counts.get(id) ?? 0
        const after = Math.max(0, before + direction)
        counts.set(id, after)
        deltas.set(id, (deltas.get(id) ?? 0) + after - before)
      }
    }
    return { changed: changes, likeCount: counts.get(like.postId) ?? 0 }
  })
  if (direction > 0) await insertFavorites(trx, changed)
  else await deleteFavorites(trx, changed)
  await addToPostCounters(trx, 'like_count', deltas)
  const given = new Map<number, number>()
  for (const like of changed) given.set(like.userId, (given.get(like.userId) ?? 0) + direction)
  await changeLikesGiven(trx, given)
  if (direction > 0) {
    await insertNotifications(trx, changed.map(notificationOf))
    const reached = [...new Set(changed.map((like) => like.postId))].filter(
      (id) => (before.get(id) ?? 0) < magicThreshold && (counts.get(id) ?? 0) >= magicThreshold,
    )
    await insertMagicfiles(trx, reached)
  }
  return outcomes
}
