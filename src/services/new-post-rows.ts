// The rows of a new original post, whatever it came from (an upload, a fetched URL, a video
// link): the post, its place in the shake, what it is found by, and the fan-out to followers.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { enqueue } from '../jobs/enqueue.js'
import { addPostToShake, insertPost, type PostText } from '../repositories/posts.js'
import { indexPostText } from './post-index.js'

export interface NewPostRows {
  userId: number
  shakeId: number
  sourcefileId: number
  text: PostText
  fileName: string
  contentType: string
  size: number
}

/** Call in the transaction that checked the poster (lockPoster). Returns the post's id. */
export async function writeNewPost(trx: Kysely<DB>, post: NewPostRows): Promise<number> {
  const postId = await insertPost(trx, {
    userId: post.userId,
    sourcefileId: post.sourcefileId,
    ...post.text,
    fileName: post.fileName,
    contentType: post.contentType,
    size: post.size,
  })
  await addPostToShake(trx, post.shakeId, postId)
  await indexPostText(trx, { id: postId, userId: post.userId, parentId: null }, post.text)
  await enqueue(trx, 'fan-out-post', { postId })
  return postId
}
