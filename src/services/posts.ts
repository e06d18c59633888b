// Reading, editing and deleting posts. Every change checks that the post is the user's own,
// and the SQL repeats the check (WHERE user_id = ?), so a missed check fails closed.
import type { Database } from '../db/database.js'
import {
  deletePost,
  findPost,
  listShakePosts,
  type Post,
  updatePostText,
} from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { checkedPostText } from './post-rules.js'
import { idFromShareKey, shareKey } from './share-keys.js'

export interface PostPage {
  posts: Post[]
  /** Key to page to older posts (/before/KEY), when there are any. */
  olderKey: string | undefined
  /** Key to page to newer posts (/after/KEY), when there are any. */
  newerKey: string | undefined
}

export const PAGE_SIZE = 10

export class PostService {
  constructor(private readonly db: Database) {}

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
    if (!(await updatePostText(this.db, post.id, user.id, text))) throw notFound()
    return { ...post, ...text }
  }

  async remove(user: User, key: string): Promise<void> {
    const post = await this.ownPost(user, key)
    if (!(await deletePost(this.db, post.id, user.id))) throw notFound()
  }

  /** One page of a shake, newest first; `before`/`after` are share keys from the URL. */
  async shakePage(shakeId: number, cursor: { before?: string; after?: string }): Promise<PostPage> {
    const beforeId = cursor.before === undefined ? undefined : idFromShareKey(cursor.before)
    const afterId = cursor.after === undefined ? undefined : idFromShareKey(cursor.after)
    if ((cursor.before !== undefined && !beforeId) || (cursor.after !== undefined && !afterId))
      throw notFound()
    const rows = await listShakePosts(this.db, shakeId, {
      ...(beforeId ? { beforeId } : {}),
      ...(afterId ? { afterId } : {}),
      limit: PAGE_SIZE + 1,
    })
    const more = rows.length > PAGE_SIZE
    // Going forwards the extra row is the oldest; otherwise the newest page is cut at the end.
    const posts = afterId ? rows.slice(rows.length > PAGE_SIZE ? 1 : 0) : rows.slice(0, PAGE_SIZE)
    const first = posts[0]
    const last = posts.at(-1)
    return {
      posts,
      olderKey: last && (afterId || more) ? shareKey(last.id) : undefined,
      newerKey: first && (beforeId || (afterId && more)) ? shareKey(first.id) : undefined,
    }
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
