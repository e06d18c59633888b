// The values kept on write (shake.follower_count, post_count and member_count, user.post_count, following_count and like_count,
// sharedfile.comment_count,
// conversation.last_comment_id, user_name_word, post_word), worked out again from the rows they
// stand for. The writes keep them; this is for data loaded around those writes (a bulk seed, a
// restore of old rows). Each statement reads whole tables: an operator's tool, never a request's.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'
import type { PostText } from './posts.js'

/** `nameWords` is search's rule for the words of a full name (services/search-query.ts). */
export async function refillKeptValues(
  db: Kysely<DB>,
  nameWords: (fullName: string) => string[],
): Promise<void> {
  await sql`update shake set
    follower_count = (select count(*) from subscription s where s.shake_id = shake.id),
    post_count = (select count(*) from shakesharedfile ss where ss.shake_id = shake.id and ss.deleted = 0),
    member_count = (select count(*) from shake_manager m where m.shake_id = shake.id)`.execute(db)
  await sql`update ${sql.table('user')} set
    post_count = (select count(*) from sharedfile p where p.user_id = ${sql.ref('user.id')} and p.deleted = 0),
    following_count = (select count(*) from subscription s where s.user_id = ${sql.ref('user.id')}),
    like_count = (select count(*) from favorite f where f.user_id = ${sql.ref('user.id')})`.execute(
    db,
  )
  await sql`update sharedfile set comment_count =
    (select count(*) from comment c where c.sharedfile_id = sharedfile.id and c.deleted = 0)`.execute(
    db,
  )
  await sql`update conversation set last_comment_id =
    (select max(c.id) from comment c
      where c.sharedfile_id = conversation.sharedfile_id and c.deleted = 0)`.execute(db)
  await db.deleteFrom('user_name_word').execute()
  const people = await db
    .selectFrom('user')
    .select(['id', 'full_name'])
    .where('deleted', '=', 0)
    .where('full_name', '<>', '')
    .execute()
  const words = people.flatMap((p) =>
    nameWords(p.full_name).map((word) => ({ user_id: p.id, word })),
  )
  for (let i = 0; i < words.length; i += 1000)
    await db
      .insertInto('user_name_word')
      .values(words.slice(i, i + 1000))
      .execute()
}

/**
 * The words of every live original post. Page by page (millions of posts on a big seed), in
 * post order (post_word's key); a bulk load calls it before building post_word's indexes.
 */
export async function refillPostWords(
  db: Kysely<DB>,
  postWords: (text: PostText) => string[],
): Promise<void> {
  await db.deleteFrom('post_word').execute()
  let after = 0
  for (;;) {
    const posts = await db
      .selectFrom('sharedfile')
      .select(['id', 'user_id', 'title', 'description', 'alt_text'])
      .where('id', '>', after)
      .where('deleted', '=', 0)
      .where('parent_id', 'is', null)
      .orderBy('id')
      .limit(5000)
      .execute()
    const last = posts.at(-1)
    if (!last) return
    after = last.id
    const words = posts.flatMap((p) =>
      postWords({ title: p.title, description: p.description, altText: p.alt_text }).map(
        (word) => ({ sharedfile_id: p.id, word, user_id: p.user_id }),
      ),
    )
    for (let i = 0; i < words.length; i += 2000)
      await db
        .insertInto('post_word')
        .values(words.slice(i, i + 2000))
        .execute()
  }
}
