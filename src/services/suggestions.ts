// Whom to follow, for a member whose home is still empty: the most followed people and group
// shakes, and the people who posted most lately. The list is the same for everybody, so one copy
// serves every member for a minute; each member's copy leaves out themself, what they already
// follow, and anyone they blocked, muted or were blocked by (one query).
import type { Database } from '../db/database.js'
import {
  mostFollowedShakes,
  personalShakesOf,
  recentPosterIds,
  type SuggestedShake,
  shakesHiddenFrom,
} from '../repositories/suggestions.js'
import type { User } from '../repositories/users.js'

export type { SuggestedShake }

export interface Suggestions {
  people: SuggestedShake[]
  shakes: SuggestedShake[]
}

/** Candidates kept of each kind: enough that a member who follows many still gets some. */
const CANDIDATES = 30
/** The newest posts read to find who posts most. */
const RECENT_POSTS = 100

export class SuggestionService {
  private cached: { at: number; candidates: Promise<Suggestions> } | undefined

  constructor(
    private readonly db: Database,
    /** How long one read of the list serves everybody (SUGGESTIONS_CACHE_SECONDS). */
    private readonly cacheMs: number,
  ) {}

  /** Up to `limit` people and `limit` group shakes this member could follow. */
  async forMember(user: User, limit = 6): Promise<Suggestions> {
    const candidates = await this.candidates()
    const hidden = await shakesHiddenFrom(this.db, user.id, [
      ...candidates.people.map((s) => s.id),
      ...candidates.shakes.map((s) => s.id),
    ])
    const shown = (list: SuggestedShake[]) => list.filter((s) => !hidden.has(s.id)).slice(0, limit)
    return { people: shown(candidates.people), shakes: shown(candidates.shakes) }
  }

  /** The list as a visitor sees it: nothing left out. */
  async forEveryone(limit: number): Promise<Suggestions> {
    const { people, shakes } = await this.candidates()
    return { people: people.slice(0, limit), shakes: shakes.slice(0, limit) }
  }

  /** The shared list: people most active lately and most followed, in turn. */
  private candidates(): Promise<Suggestions> {
    const now = Date.now()
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.candidates
    const candidates = this.readCandidates()
    this.cached = { at: now, candidates }
    // A failed read is not kept: the next request asks again.
    candidates.catch(() => {
      if (this.cached?.candidates === candidates) this.cached = undefined
    })
    return candidates
  }

  private async readCandidates(): Promise<Suggestions> {
    const [followedPeople, shakes, posters] = await Promise.all([
      mostFollowedShakes(this.db, 'user', CANDIDATES),
      mostFollowedShakes(this.db, 'group', CANDIDATES),
      recentPosterIds(this.db, RECENT_POSTS),
    ])
    const active = mostActive(posters).slice(0, CANDIDATES)
    const activeShakes = await personalShakesOf(this.db, active)
    const byOwner = new Map(activeShakes.map((s) => [s.ownerId, s]))
    const people: SuggestedShake[] = []
    const seen = new Set<number>()
    for (const shake of alternate(
      active.flatMap((id) => byOwner.get(id) ?? []),
      followedPeople,
    )) {
      if (seen.has(shake.id)) continue
      seen.add(shake.id)
      people.push(shake)
    }
    return { people, shakes }
  }
}

/** Posters ordered by how many of the posts are theirs, the most recent first among equals. */
export function mostActive(posterIds: readonly number[]): number[] {
  const counts = new Map<number, number>()
  for (const id of posterIds) counts.set(id, (counts.get(id) ?? 0) + 1)
  // A Map keeps first-seen order (newest post first), and the sort is stable.
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)
}

/** a[0], b[0], a[1], b[1], …: both orders get the first places. */
function alternate<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i] as T)
    if (i < b.length) out.push(b[i] as T)
  }
  return out
}
