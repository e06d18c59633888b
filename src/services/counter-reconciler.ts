// Counters that heal. The writes keep every post's like and save counters; a job counts them
// again from the rows and mends the ones that drifted. It walks all posts in id order, a page at
// a time and a bounded number per run, each run going on where the last one stopped (back to the
// start after the last post), so drift anywhere heals within (posts ÷ per run) runs and no run
// costs more at a million posts than at a thousand.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { readCursor, saveCursor } from '../repositories/maintenance-cursors.js'
import {
  countedLikesOf,
  countedSavesOf,
  countersAfter,
  countersOf,
  type StoredCounters,
  setCounter,
} from '../repositories/post-counters.js'

const CURSOR = 'post-counters'

export interface Mended {
  /** Posts whose like counter was wrong, and whose save counter was. */
  likes: number
  saves: number
}

/** Counts these posts' counters again and mends the ones that drifted. */
export async function recountPosts(db: Kysely<DB>, postIds: readonly number[]): Promise<Mended> {
  return mend(db, await countersOf(db, postIds))
}

/**
 * One run of the walk: up to `perRun` posts from where the last run stopped, `pageSize` at a
 * time, the position saved after each page (a killed run loses one page at most).
 */
export async function reconcileCounters(
  db: Kysely<DB>,
  limits: { pageSize: number; perRun: number },
): Promise<Mended & { checked: number }> {
  const total = { likes: 0, saves: 0, checked: 0 }
  let position = await readCursor(db, CURSOR)
  let wrapped = false
  while (total.checked < limits.perRun) {
    const page = await countersAfter(
      db,
      position,
      Math.min(limits.pageSize, limits.perRun - total.checked),
    )
    if (page.length === 0) {
      // Past the last post: start again from the first, once per run.
      position = 0
      await saveCursor(db, CURSOR, position)
      if (wrapped) break
      wrapped = true
      continue
    }
    const mended = await mend(db, page)
    total.likes += mended.likes
    total.saves += mended.saves
    total.checked += page.length
    position = (page.at(-1) as StoredCounters).id
    await saveCursor(db, CURSOR, position)
  }
  return total
}

async function mend(db: Kysely<DB>, stored: readonly StoredCounters[]): Promise<Mended> {
  const ids = stored.map((s) => s.id)
  const [likes, saves] = await Promise.all([countedLikesOf(db, ids), countedSavesOf(db, ids)])
  const likeFixes = new Map<number, number>()
  const saveFixes = new Map<number, number>()
  for (const post of stored) {
    const liked = likes.get(post.id) ?? 0
    const saved = saves.get(post.id) ?? 0
    if (post.likeCount !== liked) likeFixes.set(post.id, liked)
    if (post.saveCount !== saved) saveFixes.set(post.id, saved)
  }
  await setCounter(db, 'like_count', likeFixes)
  await setCounter(db, 'save_count', saveFixes)
  return { likes: likeFixes.size, saves: saveFixes.size }
}
