// The streams people browse: the friend timeline, Incoming, Popular, a user's likes, and the
// notifications page.
import type { Database } from '../db/database.js'
import { dbNow } from '../db/dialect.js'
import { type Comment, conversationPostIds, mentionsOf } from '../repositories/comments.js'
import { likedAmong } from '../repositories/favorites.js'
import {
  clearNotifications,
  countUnread,
  type Notification,
  recentNotifications,
} from '../repositories/notifications.js'
import {
  findPosts,
  incomingPostIds,
  likedPosts,
  type Post,
  popularCandidates,
} from '../repositories/posts.js'
import { timelinePostIds } from '../repositories/timeline.js'
import { findUserByName, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { type Cursor, keysetPage, type Page } from './paging.js'

const POPULAR_SIZE = 30
const POPULAR_CACHE_MS = 60_000

/** MLKSHK's intended formula: likes divided by (age in minutes + 3) to the power 1.5. */
export function popularityScore(likes: number, createdAt: Date, now = Date.now()): number {
  const minutes = Math.max(0, (now - createdAt.getTime()) / 60_000)
  return likes / (minutes + 3) ** 1.5
}

export interface NotificationGroup {
  type: Notification['type']
  actionId: number
  senders: string[]
  latest: Date
}

export class StreamService {
  private popularCache: { at: number; posts: Post[] } | undefined

  constructor(private readonly db: Database) {}

  friendTimeline(user: User, cursor: Cursor): Promise<Page<Post>> {
    return keysetPage(
      cursor,
      async (window) => findPosts(this.db, await timelinePostIds(this.db, user.id, window)),
      (post) => post.id,
    )
  }

  incoming(cursor: Cursor): Promise<Page<Post>> {
    return keysetPage(
      cursor,
      async (window) => findPosts(this.db, await incomingPostIds(this.db, window)),
      (p) => p.id,
    )
  }

  /** Popular: the best-scored liked originals of the last week; cached briefly when shared. */
  async popular(options: { fresh?: boolean } = {}): Promise<Post[]> {
    const cached = this.popularCache
    if (!options.fresh && cached && Date.now() - cached.at < POPULAR_CACHE_MS) return cached.posts
    const now = Date.now()
    const candidates = await popularCandidates(this.db, dbNow(-7 * 24 * 3600), 500)
    const ranked = candidates
      .map((c) => ({ id: c.id, score: popularityScore(c.likeCount, c.createdAt, now) }))
      .sort((a, b) => b.score - a.score || b.id - a.id)
      .slice(0, POPULAR_SIZE)
    const posts = await findPosts(
      this.db,
      ranked.map((r) => r.id),
    )
    this.popularCache = { at: now, posts }
    return posts
  }

  /** The liked posts of the user with that name, newest like first. Keys are like ids. */
  async likesOf(
    name: string,
    cursor: Cursor,
  ): Promise<{ user: User; page: Page<{ favoriteId: number; post: Post }> }> {
    const user = name.length <= 64 ? await findUserByName(this.db, name) : undefined
    if (!user) throw new ServiceError(404, 'There is no such person.')
    const page = await keysetPage(
      { ...(cursor.before !== undefined ? { before: cursor.before } : {}) },
      (window) =>
        likedPosts(this.db, user.id, {
          ...(window.beforeId !== undefined ? { beforeId: window.beforeId } : {}),
          limit: window.limit,
        }),
      (item) => item.favoriteId,
    )
    return { user, page }
  }

  likedBy(user: User | null, posts: readonly Post[]): Promise<Set<number>> {
    return user
      ? likedAmong(
          this.db,
          user.id,
          posts.map((p) => p.id),
        )
      : Promise.resolve(new Set())
  }

  /** Notifications of the last week, likes and saves grouped per post. */
  async notifications(user: User): Promise<NotificationGroup[]> {
    const groups = new Map<string, NotificationGroup>()
    for (const n of await recentNotifications(this.db, user.id)) {
      const groupable = n.type === 'favorite' || n.type === 'save'
      const key = groupable ? `${n.type}:${n.actionId}` : `${n.type}:${n.id}`
      const group = groups.get(key) ?? {
        type: n.type,
        actionId: n.actionId,
        senders: [],
        latest: n.createdAt,
      }
      group.senders.push(n.senderName)
      groups.set(key, group)
    }
    return [...groups.values()]
  }

  /** Posts whose conversation the user is part of (and has not muted), latest comment first. */
  async conversations(user: User): Promise<Post[]> {
    return findPosts(this.db, await conversationPostIds(this.db, user.id))
  }

  mentions(user: User): Promise<Comment[]> {
    return mentionsOf(this.db, user.name)
  }

  unreadCount(user: User): Promise<number> {
    return countUnread(this.db, user.id)
  }

  clearNotifications(user: User, which: { type?: Notification['type'] } = {}): Promise<void> {
    return clearNotifications(this.db, user.id, which)
  }
}
