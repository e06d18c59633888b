// The streams people browse: the friend timeline, Incoming, Popular, a user's likes, and the
// notifications page.

import type { Database } from '../db/database.js'
import { dbNow } from '../db/dialect.js'
import { blockedIds } from '../repositories/blocks.js'
import { type Comment, conversationPostIds, mentionsOf } from '../repositories/comments.js'
import { likedAmong } from '../repositories/favorites.js'
import { magicfilePage } from '../repositories/magicfiles.js'
import {
  clearNotifications,
  countUnread,
  type Notification,
} from '../repositories/notifications.js'
import { type ReaderOfPost, readerOfPost } from '../repositories/post-reader.js'
import {
  findPosts,
  incomingPostIds,
  likedPosts,
  type Post,
  popularCandidates,
  savedAmong,
} from '../repositories/posts.js'
import { timelinePostIds } from '../repositories/timeline.js'
import type { User } from '../repositories/users.js'
import { type NotificationGroup, notificationGroups } from './notification-groups.js'
import { type Cursor, keysetPage, type Page } from './paging.js'

const POPULAR_SIZE = 30
const POPULAR_CACHE_MS = 60_000

/** MLKSHK's intended formula: likes divided by (age in minutes + 3) to the power 1.5. */
export function popularityScore(likes: number, createdAt: Date, now = Date.now()): number {
  const minutes = Math.max(0, (now - createdAt.getTime()) / 60_000)
  return likes / (minutes + 3) ** 1.5
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

  incoming(cursor: Cursor, viewer?: User | null): Promise<Page<Post>> {
    return keysetPage(
      cursor,
      async (window) => findPosts(this.db, await incomingPostIds(this.db, window, viewer?.id)),
      (p) => p.id,
    )
  }

  /**
   * Popular: the best-scored liked originals of the last week; cached briefly when shared.
   * The viewer's blocked people are left out of the viewer's copy.
   */
  async popular(options: { fresh?: boolean } = {}, viewer?: User | null): Promise<Post[]> {
    return this.withoutBlocked(viewer, this.popularForAll(options))
  }

  private async popularForAll(options: { fresh?: boolean }): Promise<Post[]> {
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

  /** A user's liked posts, newest like first. Keys are like ids. */
  likesOf(
    user: User,
    cursor: Cursor,
    viewer?: User | null,
  ): Promise<Page<{ favoriteId: number; post: Post }>> {
    return keysetPage(
      cursor,
      async (window) => {
        const [liked, blocked] = await Promise.all([
          likedPosts(this.db, user.id, window),
          this.blockedBy(viewer),
        ])
        return liked.filter((l) => !blocked.has(l.post.userId))
      },
      (item) => item.favoriteId,
    )
  }

  /** Posts that reached the like threshold, latest first. Keys are magicfile ids. */
  magicfiles(cursor: Cursor): Promise<Page<{ magicId: number; post: Post }>> {
    return keysetPage(
      cursor,
      async (window) => {
        const magic = await magicfilePage(this.db, window)
        const posts = new Map(
          (
            await findPosts(
              this.db,
              magic.map((m) => m.postId),
            )
          ).map((p) => [p.id, p]),
        )
        return magic.flatMap((m) => {
          const post = posts.get(m.postId)
          return post ? [{ magicId: m.magicId, post }] : []
        })
      },
      (item) => item.magicId,
    )
  }

  /** What a reader's own view of posts adds: which they liked and saved. */
  async readerState(
    user: User,
    posts: readonly Post[],
  ): Promise<{ liked: Set<number>; saved: Set<number> }> {
    const ids = posts.map((p) => p.id)
    return {
      liked: await likedAmong(this.db, user.id, ids),
      saved: await savedAmong(this.db, user.id, ids),
    }
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

  /** Whether the reader liked the post and whether they blocked its poster. */
  readerOf(user: User | null, post: Post): Promise<ReaderOfPost> {
    return user
      ? readerOfPost(this.db, user.id, post)
      : Promise.resolve({ liked: false, authorBlocked: false })
  }

  /** Notifications of the last week, likes and saves grouped per post. */
  notifications(user: User, limit?: number): Promise<NotificationGroup[]> {
    return notificationGroups(this.db, user.id, limit)
  }

  /** Posts whose conversation the user is part of (and has not muted), latest comment first. */
  async conversations(user: User): Promise<Post[]> {
    return findPosts(this.db, await conversationPostIds(this.db, user.id))
  }

  async mentions(user: User): Promise<Comment[]> {
    const blocked = await blockedIds(this.db, user.id)
    return (await mentionsOf(this.db, user.name)).filter((c) => !blocked.has(c.userId))
  }

  /** Whom the viewer blocked: asked alongside the posts, not after them. */
  private blockedBy(viewer: User | null | undefined): Promise<Set<number>> {
    return viewer ? blockedIds(this.db, viewer.id) : Promise.resolve(new Set())
  }

  private async withoutBlocked(
    viewer: User | null | undefined,
    posts: Post[] | Promise<Post[]>,
  ): Promise<Post[]> {
    const [all, blocked] = await Promise.all([posts, this.blockedBy(viewer)])
    return blocked.size === 0 ? all : all.filter((p) => !blocked.has(p.userId))
  }

  unreadCount(user: User): Promise<number> {
    return countUnread(this.db, user.id)
  }

  clearNotifications(user: User, which: { type?: Notification['type'] } = {}): Promise<void> {
    return clearNotifications(this.db, user.id, which)
  }
}
