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
import { type Cursor, keysetPage, type Page } from './paging.js'
import { checkedPostText } from './post-rules.js'
import { idFromShareKey } from './share-keys.js'

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
  shakePage(shakeId: number, cursor: Cursor): Promise<Page<Post>> {
    return keysetPage(
      cursor,
      (window) => listShakePosts(this.db, shakeId, window),
      (post) => post.id,
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
