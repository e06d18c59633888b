// What a post is found by, worked out from its text whenever the text is written: its tags
// (#words of the description) and, for an original post, the words search reads.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { replacePostWords } from '../repositories/post-words.js'
import type { PostText } from '../repositories/posts.js'
import { setPostTags } from '../repositories/tags.js'
import { postWords } from './search-query.js'
import { extractTags } from './tag-rules.js'

/** Call in the transaction that writes the post's text. */
export async function indexPostText(
  db: Kysely<DB>,
  post: { id: number; userId: number; parentId: number | null },
  text: PostText,
): Promise<void> {
  await setPostTags(db, post.id, extractTags(text.description))
  // Search shows originals only, as MLTSHP does: a saved copy would repeat its original.
  if (post.parentId === null) await replacePostWords(db, post, postWords(text))
}
