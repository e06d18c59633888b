// The notifications page's rows: a week of notifications, the likes and saves of one post
// grouped into one row ("sam and 3 others liked …"), each row with what it is about (the post,
// with its title and thumbnail, or the shake, by name) read in one statement per kind.
import type { Database } from '../db/database.js'
import { postsOfComments } from '../repositories/comments.js'
import { type Notification, recentNotifications } from '../repositories/notifications.js'
import { findPosts, type Post } from '../repositories/posts.js'
import { findShakesByIds, type Shake } from '../repositories/shakes.js'

export interface NotificationGroup {
  type: Notification['type']
  actionId: number
  /** Who did it, newest first, each once. */
  senders: string[]
  /** The picture of the newest sender, when they have one. */
  senderAvatarKey: string | null
  latest: Date
  /** The post it is about (likes, saves, comments, mentions), while it is there. */
  post?: Post
  /** The shake it is about (invitations, requests to join, approvals), while it is there. */
  shake?: Shake
}

const aboutShakes = new Set<Notification['type']>(['invitation', 'join_request', 'join_approved'])
const aboutComments = new Set<Notification['type']>(['comment', 'mention'])

export async function notificationGroups(
  db: Database,
  receiverId: number,
  /** At most this many rows (the home page's sidebar needs a few, not a week's). */
  limit = Number.POSITIVE_INFINITY,
): Promise<NotificationGroup[]> {
  const groups = new Map<string, NotificationGroup>()
  for (const n of await recentNotifications(db, receiverId)) {
    const groupable = n.type === 'favorite' || n.type === 'save'
    const key = groupable ? `${n.type}:${n.actionId}` : `${n.type}:${n.id}`
    const group = groups.get(key) ?? {
      type: n.type,
      actionId: n.actionId,
      senders: [],
      senderAvatarKey: n.senderAvatarKey,
      latest: n.createdAt,
    }
    if (!group.senders.includes(n.senderName)) group.senders.push(n.senderName)
    groups.set(key, group)
  }
  const all = [...groups.values()].slice(0, limit)
  const byKind = (kinds: (type: Notification['type']) => boolean) =>
    all.filter((g) => kinds(g.type)).map((g) => g.actionId)
  const commentPosts = await postsOfComments(
    db,
    byKind((t) => aboutComments.has(t)),
  )
  const postIdOf = (g: NotificationGroup) =>
    aboutComments.has(g.type) ? commentPosts.get(g.actionId) : g.actionId
  const [posts, shakes] = await Promise.all([
    findPosts(
      db,
      all
        .filter((g) => !aboutShakes.has(g.type) && g.type !== 'subscriber')
        .map(postIdOf)
        .filter((id): id is number => id !== undefined),
    ),
    findShakesByIds(
      db,
      byKind((t) => aboutShakes.has(t)),
    ),
  ])
  const postById = new Map(posts.map((p) => [p.id, p]))
  return all.flatMap((g) => {
    if (g.type === 'subscriber') return [g]
    if (aboutShakes.has(g.type)) {
      const shake = shakes.get(g.actionId)
      return shake ? [{ ...g, shake }] : []
    }
    const id = postIdOf(g)
    const post = id === undefined ? undefined : postById.get(id)
    // A row about a post that was deleted since says nothing anyone can open.
    return post ? [{ ...g, post }] : []
  })
}
