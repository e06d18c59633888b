// The benchmark's data set holds what its scenarios rely on: the counts asked for, the hot account
// followed by every member it should be, the hot post liked exactly as often as asked, and every
// counter equal to the rows it counts (the seed streams its rows and never re-reads them).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import {
  HOT_ACCOUNT_NAME,
  READER_NAME,
  type SeedResult,
  scaled,
  seedDatabase,
} from '../../bench/seed.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'

describe(`seeded data set (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let seeded: SeedResult
  // Enough shakes for the reader to follow 500.
  const counts = scaled(0.05)

  before(async () => {
    site = await createTestSite()
    seeded = await seedDatabase(site.app.db, counts)
  })
  after(() => site?.close())

  const count = async (query: ReturnType<typeof sql<{ n: number | string }>>) =>
    Number((await query.execute(site.app.db)).rows[0]?.n)

  it('has the counts asked for, the hot account besides the members', async () => {
    assert.equal(await count(sql`select count(*) as n from user`), counts.users + 1)
    assert.equal(await count(sql`select count(*) as n from sharedfile`), counts.posts)
    assert.equal(await count(sql`select count(*) as n from favorite`), counts.likes)
    assert.equal(seeded.likes, counts.likes)
    assert.equal(await count(sql`select count(*) as n from comment`), counts.comments)
    assert.equal(await count(sql`select count(*) as n from subscription`), seeded.subscriptions)
  })

  it('the hot account is followed by hotFollowers members and owns the hot post', async () => {
    assert.equal(seeded.hotAccountName, HOT_ACCOUNT_NAME)
    assert.ok(counts.hotFollowers > 1 && counts.hotLikes > 1)
    assert.equal(
      await count(
        sql`select count(*) as n from subscription s join shake k on k.id = s.shake_id
            join user u on u.id = k.user_id where u.name = ${HOT_ACCOUNT_NAME}`,
      ),
      counts.hotFollowers,
    )
    const post = await site.app.db
      .selectFrom('sharedfile')
      .select(['user_id', 'like_count', 'parent_id'])
      .where('id', '=', seeded.hotPostId)
      .executeTakeFirstOrThrow()
    assert.equal(post.user_id, seeded.hotAccountId)
    assert.equal(post.parent_id, null)
    assert.equal(
      await count(
        sql`select count(*) as n from favorite where sharedfile_id = ${seeded.hotPostId}`,
      ),
      counts.hotLikes,
    )
  })

  it('every like count is its likes plus its saves’ likes; nobody likes twice or their own', async () => {
    assert.equal(
      await count(sql`select count(*) as n from sharedfile s
        where s.like_count <> (select count(*) from favorite f where f.sharedfile_id = s.id)
          + (select count(*) from favorite f join sharedfile c on c.id = f.sharedfile_id
             where c.original_id = s.id)`),
      0,
    )
    assert.equal(
      await count(sql`select count(*) as n from (select user_id, sharedfile_id from favorite
        group by user_id, sharedfile_id having count(*) > 1) d`),
      0,
    )
    assert.equal(
      await count(sql`select count(*) as n from favorite f
        join sharedfile s on s.id = f.sharedfile_id where s.user_id = f.user_id`),
      0,
    )
  })

  it('the reader follows 500 shakes, the hot account among them, and has their timeline', async () => {
    const reader = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', READER_NAME)
      .executeTakeFirstOrThrow()
    assert.equal(
      await count(sql`select count(*) as n from subscription where user_id = ${reader.id}`),
      500,
    )
    assert.equal(
      await count(sql`select count(*) as n from subscription
        where user_id = ${reader.id} and shake_id = ${seeded.hotAccountId}`),
      1,
    )
    assert.equal(
      await count(sql`select count(*) as n from post where user_id = ${reader.id}`),
      seeded.timelineRows,
    )
    assert.ok(seeded.timelineRows > 100)
  })
})
