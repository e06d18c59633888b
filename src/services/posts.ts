// Reading, editing and deleting posts. Every change checks that the post is the user's own,
// and the SQL repeats the check (WHERE user_id = ?), so a missed check fails closed.
import type { Database } from '../db/database.js'
import { fromDbDateTime } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { likersOf, type PostAudienceRow } from '../repositories/favorites.js'
import { removePostWords } from '../repositories/post-words.js'
import {
  deletePost,
  findPost,
  findPosts,
  listShakePosts,
  type Post,
  saversOf,
  updatePostText,
} from '../repositories/posts.js'
import { taggedPostIds, tagsOfPost } from '../repositories/tags.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { type Cursor, keysetPage, type Page } from './paging.js'
import { indexPostText } from './post-index.js'
import { checkedPostText } from './post-rules.js'
import { idFromShareKey } from './share-keys.js'
import { tagName } from './tag-rules.js'

/** The post a share key names, or a 404 when it names none (or a deleted one). */
export async function livePost(db: Database, key: string): Promise<Post> {
  const id = idFromShareKey(key)
  const post = id === undefined ? undefined : await findPost(db, id)
  if (!post) throw new ServiceError(404, 'There is no such post. It may have been deleted.')
  return post
}

/** Someone in a post's list of likers or savers. */
export interface AudienceMember {
  name: string
  avatarKey: string | null
  at: Date
}

/** The most people a list of likers or savers shows: the newest, as the followers list does. */
export const AUDIENCE_LIMIT = 500

export class PostService {
  constructor(private readonly db: Database) {}

  /** Who liked the post, the newest like first; a 404 for a post that is not there. */
  async likers(key: string): Promise<{ post: Post; people: AudienceMember[] }> {
    const post = await livePost(this.db, key)
    return { post, people: audience(await likersOf(this.db, post.id, AUDIENCE_LIMIT)) }
  }

  /** Who saved the post into a shake of theirs, the newest save first. */
  async savers(key: string): Promise<{ post: Post; people: AudienceMember[] }> {
    const post = await livePost(this.db, key)
    return { post, people: audience(await saversOf(this.db, post.id, AUDIENCE_LIMIT)) }
  }

  async find(key: string): Promise<Post | undefined> {
    const id = idFromShareKey(key)
    return id === undefined ? undefined : findPost(this.db, id)
  }

  async edit(
    user: User,
    key: string,
    input: { title: string; description: string; altText: string },
  ): Promise<Post> {
    const post = await this.ownPost(user, key)
    const text = checkedPostText(input)
    const updated = await inTransaction(this.db, async (trx) => {
      if (!(await updatePostText(trx, post.id, user.id, text))) return false
      // Tags and search words follow the text: worked out again on every edit.
      await indexPostText(trx, { id: post.id, userId: user.id, parentId: post.parentId }, text)
      return true
    })
    if (!updated) throw notFound()
    return { ...post, ...text }
  }

  async remove(user: User, key: string): Promise<void> {
    const post = await this.ownPost(user, key)
    const deleted = await inTransaction(this.db, async (trx) => {
      if (!(await deletePost(trx, post.id, user.id))) return false
      await removePostWords(trx, post.id)
      return true
    })
    if (!deleted) throw notFound()
  }

  /** One page of a shake, newest first; `before`/`after` are share keys from the URL. */
  shakePage(shakeId: number, cursor: Cursor, pageSize?: number): Promise<Page<Post>> {
    return keysetPage(
      cursor,
      (window) => listShakePosts(this.db, shakeId, window),
      (post) => post.id,
      pageSize,
    )
  }

  tagsOf(post: Post): Promise<string[]> {
    return tagsOfPost(this.db, post.id)
  }

  /** Posts with the tag, newest first; 404 for a name that cannot be a tag. */
  tagPage(name: string, cursor: Cursor, viewer?: User | null): Promise<Page<Post>> {
    const tag = tagName(name)
    if (!tag) throw new ServiceError(404, 'There is no such tag.')
    return keysetPage(
      cursor,
      async (window) => findPosts(this.db, await taggedPostIds(this.db, tag, window, viewer?.id)),
      (p) => p.id,
    )
  }

  private async ownPost(user: User, key: string): Promise<Post> {
    const post = await this.find(key)
    if (!post) throw notFound()
    if (post.userId !== user.id)
      throw new ServiceError(403, 'Only the person who posted this can change it.')
    return post
  }
}

function notFound() {
  return new ServiceError(404, 'There is no such post. It may have been deleted.')
}

function audience(rows: readonly PostAudienceRow[]): AudienceMember[] {
  return rows.map((r) => ({ name: r.name, avatarKey: r.avatarKey, at: fromDbDateTime(r.at) }))
}
