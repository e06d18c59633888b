// SQL for post search: the words each original post is found by (post_word), and the search
// itself, which reads the newest posts of each word off an index range that stops at its limit,
// so a common word costs no more on a big site than on a small one.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

/** Replaces the words a post is found by, in the transaction that writes its text. */
export async function replacePostWords(
  db: Kysely<DB>,
  post: { id: number; userId: number },
  words: readonly string[],
): Promise<void> {
  await db.deleteFrom('post_word').where('sharedfile_id', '=', post.id).execute()
  if (words.length > 0)
    await db
      .insertInto('post_word')
      .values(words.map((word) => ({ sharedfile_id: post.id, word, user_id: post.userId })))
      .execute()
}

/** A deleted post is found no more (and takes no place among a word's newest posts). */
export async function removePostWords(db: Kysely<DB>, postId: number): Promise<void> {
  await db.deleteFrom('post_word').where('sharedfile_id', '=', postId).execute()
}

export interface PostSearch {
  terms: readonly string[]
  /** Only this user's posts (their words are read off the index by user). */
  userId?: number
  /** Only posts in this shake (by name). */
  shakeName?: string
  /** Nothing by people this user has blocked. */
  hiddenFor?: number
}

/**
 * Ids of live posts holding any of the words, those holding the most words first, then the
 * newest. Each word contributes at most its newest `window` posts: the candidates are bounded
 * whatever the site's size, and the pages offered stay inside them.
 */
export async function searchPostIds(
  db: Kysely<DB>,
  search: PostSearch,
  window: number,
  limit: number,
  offset: number,
): Promise<number[]> {
  if (search.terms.length === 0) return []
  const byUser = search.userId !== undefined ? sql`and user_id = ${search.userId}` : sql``
  // One index range per word (post_word_by_user when the user is known), each cut at `window`.
  const ranges = sql.join(
    search.terms.map(
      (term, i) => sql`select sharedfile_id from (
        select sharedfile_id from post_word where word = ${term} ${byUser}
        order by sharedfile_id desc limit ${window}) ${sql.raw(`w${i}`)}`,
    ),
    sql` union all `,
  )
  // A count per candidate, not EXISTS: MariaDB would turn EXISTS into a join that may start
  // from the shake's posts and sort them all; this way the candidates stay what is read.
  const inShake = search.shakeName
    ? sql`and (select count(*) from shakesharedfile ss inner join shake k on k.id = ss.shake_id
        where ss.sharedfile_id = p.id and ss.deleted = 0 and k.name = ${search.shakeName}) > 0`
    : sql``
  const notBlocked =
    search.hiddenFor !== undefined
      ? sql`and not exists (select 1 from user_block hb
          where hb.user_id = ${search.hiddenFor} and hb.blocked_user_id = p.user_id)`
      : sql``
  const result = await sql<{ id: number }>`
    select c.id from (
      select sharedfile_id as id, count(*) as hits from (${ranges}) w group by sharedfile_id
    ) c
      inner join sharedfile p on p.id = c.id
      inner join user u on u.id = p.user_id
    where p.deleted = 0 and u.deleted = 0 ${inShake} ${notBlocked}
    order by c.hits desc, c.id desc
    limit ${limit} offset ${offset}`.execute(db)
  return result.rows.map((r) => Number(r.id))
}
