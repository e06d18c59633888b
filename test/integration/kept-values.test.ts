// Values kept on write instead of counted on read (issue 17): a shake's follower count, a post's
// comment count and each conversation's latest comment. Each must equal what counting the rows
// gives after every write that moves it, and the pages that read it show what they showed.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { insertComments } from '../../src/repositories/comments.js'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import { apiClient, grantTokens, registerApp } from '../helpers/api.js'
import { onMysql } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { settle } from '../helpers/jobs.js'
import { createSocialSite, post, postJson, type SocialSite } from '../helpers/social.js'

describe(`kept values (${onMysql ? 'MariaDB' : 'SQLite'})`, () => {
  let site: SocialSite
  let owner: Browser
  let ann: Browser
  let bea: Browser
  let cid: Browser
  before(async () => {
    site = await createSocialSite('embedded', '')
    owner = await signUp(site.app, 'owner')
    ann = await signUp(site.app, 'ann')
    bea = await signUp(site.app, 'bea')
    cid = await signUp(site.app, 'cid')
  })
  after(() => site?.close())

  const db = () => site.app.db
  const idOf = (key: string) => Number.parseInt(key, 36)
  const userId = async (name: string) =>
    (await db().selectFrom('user').select('id').where('name', '=', name).executeTakeFirstOrThrow())
      .id

  /** The kept follower count of a shake, beside the count of its subscriptions. */
  async function followers(shake: string): Promise<{ kept: number; counted: number }> {
    const row = await db()
      .selectFrom('shake')
      .select(['id', 'follower_count'])
      .where('name', '=', shake)
      .executeTakeFirstOrThrow()
    const counted = await db()
      .selectFrom('subscription')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('shake_id', '=', row.id)
      .executeTakeFirstOrThrow()
    return { kept: row.follower_count, counted: Number(counted.n) }
  }

  /** The kept comment count of a post, beside the count of its live comments. */
  async function comments(key: string): Promise<{ kept: number; counted: number }> {
    const row = await db()
      .selectFrom('sharedfile')
      .select('comment_count')
      .where('id', '=', idOf(key))
      .executeTakeFirstOrThrow()
    const counted = await db()
      .selectFrom('comment')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sharedfile_id', '=', idOf(key))
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow()
    return { kept: row.comment_count, counted: Number(counted.n) }
  }

  /** Each conversation's kept latest comment, beside the post's latest live comment. */
  async function conversationsAgree(): Promise<void> {
    const rows = await db()
      .selectFrom('conversation')
      .select(['user_id', 'sharedfile_id', 'last_comment_id'])
      .execute()
    for (const row of rows) {
      const latest = await db()
        .selectFrom('comment')
        .select('id')
        .where('sharedfile_id', '=', row.sharedfile_id)
        .where('deleted', '=', 0)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      assert.equal(row.last_comment_id, latest?.id ?? null, JSON.stringify(row))
    }
  }

  /** The posts on a reader's /conversations, in the order shown. */
  async function conversationKeys(reader: Browser): Promise<string[]> {
    const page = await reader.get('/conversations')
    assert.equal(page.statusCode, 200)
    const keys = [...page.body.matchAll(/href="\/p\/([0-9A-Z]+)#comments"/g)].map((m) => m[1])
    return [...new Set(keys)] as string[]
  }

  /** The comment ids on a post page, in the order shown. */
  const commentIds = (body: string) =>
    [...body.matchAll(/<li class="comment" id="comment-(\d+)"/g)].map((m) => Number(m[1]))

  it('follower count: follow, follow again, unfollow, unfollow again, block, erasure', async () => {
    await owner.get('/shake/create')
    const created = await owner.post('/shake/create', {
      name: 'birds',
      title: 'Birds',
      description: '',
    })
    assert.equal(created.statusCode, 303)
    // The creator follows their group from the start.
    assert.deepEqual(await followers('birds'), { kept: 1, counted: 1 })
    const shakeId = (
      await db()
        .selectFrom('shake')
        .select('id')
        .where('name', '=', 'birds')
        .executeTakeFirstOrThrow()
    ).id
    for (const who of [ann, bea, cid]) {
      assert.equal((await postJson(who, `/shake/${shakeId}/subscribe`)).status, 200)
    }
    await postJson(ann, `/shake/${shakeId}/subscribe`)
    await postJson(ann, '/user/owner/subscribe')
    assert.deepEqual(await followers('birds'), { kept: 4, counted: 4 })
    assert.deepEqual(await followers('owner'), { kept: 1, counted: 1 })
    const directory = await cid.get('/shakes?order=followed')
    assert.match(
      directory.body,
      /href="\/birds">Birds<\/a>\s*<p class="meta">0 posts · 0 members · 4 followers/,
    )

    await postJson(bea, `/shake/${shakeId}/unsubscribe`)
    await postJson(bea, `/shake/${shakeId}/unsubscribe`)
    assert.deepEqual(await followers('birds'), { kept: 3, counted: 3 })

    // A block ends the follows both ways: ann's of the owner's two shakes.
    assert.equal((await owner.post('/user/ann/block', {})).statusCode, 303)
    assert.deepEqual(await followers('birds'), { kept: 2, counted: 2 })
    assert.deepEqual(await followers('owner'), { kept: 0, counted: 0 })
    await owner.post('/user/ann/unblock', {})

    // Erasing cid's account takes its follow with it.
    await cid.get('/account/settings')
    assert.equal((await cid.post('/account/delete', { password: PASSWORD })).statusCode, 200)
    await settle(site.app)
    assert.deepEqual(await followers('birds'), { kept: 1, counted: 1 })
    assert.match(
      (await ann.get('/shakes')).body,
      /Birds<\/a>\s*<p class="meta">0 posts · 0 members · 1 follower</,
    )

    // Never below zero, even if a follow went missing without the count.
    await postJson(ann, `/shake/${shakeId}/subscribe`)
    await db().updateTable('shake').set({ follower_count: 0 }).where('id', '=', shakeId).execute()
    await postJson(ann, `/shake/${shakeId}/unsubscribe`)
    assert.deepEqual(await followers('birds'), { kept: 0, counted: 1 })
    // Put back the creator's follow the forced zero hid, as the recount would.
    await db().updateTable('shake').set({ follower_count: 1 }).where('id', '=', shakeId).execute()
  })

  /** A person's kept post and following counts, beside counting their rows. */
  async function personCounts(name: string) {
    const id = await userId(name)
    const row = await db()
      .selectFrom('user')
      .select(['post_count', 'following_count', 'like_count'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    const posts = await db()
      .selectFrom('sharedfile')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', id)
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow()
    const follows = await db()
      .selectFrom('subscription')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow()
    const shake = await db()
      .selectFrom('shake')
      .select(['id', 'post_count'])
      .where('user_id', '=', id)
      .where('type', '=', 'user')
      .executeTakeFirstOrThrow()
    const placed = await db()
      .selectFrom('shakesharedfile')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('shake_id', '=', shake.id)
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow()
    const likes = await db()
      .selectFrom('favorite')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', id)
      .executeTakeFirstOrThrow()
    return {
      likes: { kept: row.like_count, counted: Number(likes.n) },
      posts: { kept: row.post_count, counted: Number(posts.n) },
      following: { kept: row.following_count, counted: Number(follows.n) },
      /** The posts in their own shake (shake.post_count, the directory's). */
      shakePosts: { kept: shake.post_count, counted: Number(placed.n) },
    }
  }

  it('post and following counts: post, save, delete, follow, unfollow, block, takedown', async () => {
    const dee = await signUp(site.app, 'countdot')
    const eve = await signUp(site.app, 'countfay')
    const first = await post(dee, 'one')
    const second = await post(dee, 'two')
    await eve.get(`/p/${first}`)
    assert.equal((await eve.post(`/p/${first}/save`, {})).statusCode, 303)
    assert.deepEqual((await personCounts('countdot')).posts, { kept: 2, counted: 2 })
    assert.deepEqual((await personCounts('countfay')).posts, { kept: 1, counted: 1 })
    assert.deepEqual((await personCounts('countdot')).shakePosts, { kept: 2, counted: 2 })
    assert.deepEqual((await personCounts('countfay')).shakePosts, { kept: 1, counted: 1 })
    await dee.get(`/p/${second}`)
    assert.equal((await dee.post(`/p/${second}/delete`, {})).statusCode, 303)
    assert.deepEqual((await personCounts('countdot')).posts, { kept: 1, counted: 1 })
    assert.deepEqual((await personCounts('countdot')).shakePosts, { kept: 1, counted: 1 })

    await postJson(eve, '/user/countdot/subscribe')
    await postJson(eve, '/user/countdot/subscribe')
    await postJson(eve, '/user/owner/subscribe')
    assert.deepEqual((await personCounts('countfay')).following, { kept: 2, counted: 2 })
    await postJson(eve, '/user/owner/unsubscribe')
    await postJson(eve, '/user/owner/unsubscribe')
    assert.deepEqual((await personCounts('countfay')).following, { kept: 1, counted: 1 })
    // A block ends eve's follow of dee.
    await dee.get('/user/countfay')
    assert.equal((await dee.post('/user/countfay/block', {})).statusCode, 303)
    assert.deepEqual((await personCounts('countfay')).following, { kept: 0, counted: 0 })
    await dee.post('/user/countfay/unblock', {})

    // The profile shows them.
    await postJson(eve, '/user/countdot/subscribe')
    const profile = (await eve.get('/user/countdot')).body
    assert.match(profile, /<strong>1<\/strong> post</)
    assert.match(profile, /<strong>1<\/strong> follower</)
    assert.match(
      (await dee.get('/user/countfay')).body,
      /<strong>1<\/strong> post<[\s\S]*<strong>1<\/strong> following</,
    )

    // Follows at once by one person, beside other writes of their row: each answered, each
    // counted once. (A follow takes the follower's row for update first: its foreign key's
    // shared lock, upgraded to write the count, deadlocked with a concurrent write of the row
    // once in CI; this interleaving does not force that timing, it guards the counts.)
    const many = await Promise.all(
      ['ga', 'gb', 'gc', 'gd', 'ge', 'gf'].map((n) => signUp(site.app, `count${n}`)),
    )
    const before = (await personCounts('countfay')).following.kept
    const answers = await Promise.all([
      ...many.map((_, i) =>
        postJson(eve, `/user/count${['ga', 'gb', 'gc', 'gd', 'ge', 'gf'][i]}/subscribe`),
      ),
      postJson(eve, '/account/set-content-filter/on'),
      postJson(eve, '/account/set-content-filter/off'),
    ])
    assert.ok(
      answers.every((a) => a.status < 400),
      String(answers.map((a) => a.status)),
    )
    assert.deepEqual((await personCounts('countfay')).following, {
      kept: before + many.length,
      counted: before + many.length,
    })

    // A takedown of the image removes the post and its saved copy from both counts.
    const mod = await signUp(site.app, 'moddee')
    await db().updateTable('user').set({ role: 'moderator' }).where('name', '=', 'moddee').execute()
    await mod.get(`/admin/takedown?key=${first}`)
    const takedown = await mod.post('/admin/takedown', { key: first, note: 'test' })
    assert.ok(takedown.statusCode < 400, String(takedown.statusCode))
    assert.deepEqual((await personCounts('countdot')).posts, { kept: 0, counted: 0 })
    assert.deepEqual((await personCounts('countfay')).posts, { kept: 0, counted: 0 })
    assert.deepEqual((await personCounts('countdot')).shakePosts, { kept: 0, counted: 0 })
    assert.deepEqual((await personCounts('countfay')).shakePosts, { kept: 0, counted: 0 })
  })

  it('likes given: like, like again, unlike, unlike again, many at once, the poster erased', async () => {
    const poster = await signUp(site.app, 'likedposter')
    const fan = await signUp(site.app, 'likefan')
    const keys = await Promise.all(['l1', 'l2', 'l3', 'l4'].map((t) => post(poster, t)))
    const [k1, k2] = keys as [string, string]
    await postJson(fan, `/p/${k1}/like`)
    await postJson(fan, `/p/${k1}/like`)
    assert.deepEqual((await personCounts('likefan')).likes, { kept: 1, counted: 1 })
    await postJson(fan, `/p/${k1}/unlike`)
    await postJson(fan, `/p/${k1}/unlike`)
    assert.deepEqual((await personCounts('likefan')).likes, { kept: 0, counted: 0 })
    // At once: one person's likes of four posts, and others' of one post (batched together).
    const others = await Promise.all(['lo1', 'lo2', 'lo3'].map((n) => signUp(site.app, n)))
    const answers = await Promise.all([
      ...keys.map((key) => postJson(fan, `/p/${key}/like`)),
      ...others.map((other) => postJson(other, `/p/${k2}/like`)),
    ])
    assert.ok(
      answers.every((a) => a.status === 200),
      String(answers.map((a) => a.status)),
    )
    assert.deepEqual((await personCounts('likefan')).likes, { kept: 4, counted: 4 })
    assert.deepEqual((await personCounts('lo1')).likes, { kept: 1, counted: 1 })
    assert.match((await poster.get('/user/likefan')).body, /<strong>4<\/strong> likes</)
    // The poster's account erased: the likes of their posts go, and from the counts.
    await poster.get('/account/delete')
    assert.equal((await poster.post('/account/delete', { password: PASSWORD })).statusCode, 200)
    await settle(site.app)
    assert.deepEqual((await personCounts('likefan')).likes, { kept: 0, counted: 0 })
    assert.deepEqual((await personCounts('lo3')).likes, { kept: 0, counted: 0 })
  })

  it('comment count and conversations: comment, delete, erasure', async () => {
    const dan = await signUp(site.app, 'dan')
    const eve = await signUp(site.app, 'eve')
    const first = await post(owner, 'first')
    const second = await post(owner, 'second')
    await owner.post(`/p/${first}/comment`, { body: 'one' })
    await settle(site.app)
    await dan.post(`/p/${second}/comment`, { body: 'two' })
    await settle(site.app)
    assert.deepEqual(await comments(first), { kept: 1, counted: 1 })
    assert.deepEqual(await comments(second), { kept: 1, counted: 1 })
    await conversationsAgree()
    assert.deepEqual(await conversationKeys(owner), [second, first])

    // A newer comment on the first post brings it to the top, for everyone in it.
    await eve.post(`/p/${first}/comment`, { body: 'three' })
    await settle(site.app)
    await conversationsAgree()
    assert.deepEqual(await conversationKeys(owner), [first, second])
    assert.deepEqual(await conversationKeys(eve), [first])
    assert.deepEqual(await comments(first), { kept: 2, counted: 2 })

    // Deleting that comment puts the order back; deleting it twice changes nothing.
    const three = await db()
      .selectFrom('comment')
      .select('id')
      .where('body', '=', 'three')
      .executeTakeFirstOrThrow()
    assert.equal((await postJson(eve, `/p/${first}/comment/${three.id}/delete`)).status, 200)
    assert.equal((await postJson(eve, `/p/${first}/comment/${three.id}/delete`)).status, 404)
    assert.deepEqual(await comments(first), { kept: 1, counted: 1 })
    await conversationsAgree()
    assert.deepEqual(await conversationKeys(owner), [second, first])

    // A post whose comments are all deleted leaves /conversations.
    const two = await db()
      .selectFrom('comment')
      .select('id')
      .where('body', '=', 'two')
      .executeTakeFirstOrThrow()
    await postJson(owner, `/p/${second}/comment/${two.id}/delete`)
    assert.deepEqual(await comments(second), { kept: 0, counted: 0 })
    await conversationsAgree()
    assert.deepEqual(await conversationKeys(owner), [first])
    assert.deepEqual(await conversationKeys(dan), [])

    // Erasing a commenter's account takes their comments out of both.
    await dan.post(`/p/${first}/comment`, { body: 'four' })
    await settle(site.app)
    assert.deepEqual(await conversationKeys(owner), [first])
    assert.deepEqual(await comments(first), { kept: 2, counted: 2 })
    await dan.get('/account/settings')
    assert.equal((await dan.post('/account/delete', { password: PASSWORD })).statusCode, 200)
    await settle(site.app)
    assert.deepEqual(await comments(first), { kept: 1, counted: 1 })
    await conversationsAgree()
    assert.deepEqual(await conversationKeys(owner), [first])
  })

  /** Every (person, word) people search finds them by. */
  const nameWords = () =>
    db()
      .selectFrom('user_name_word')
      .select(['user_id', 'word'])
      .orderBy('user_id')
      .orderBy('word')
      .execute()

  /** The names in the People part of a search. */
  async function peopleFound(q: string): Promise<string[]> {
    const body = (await bea.get(`/search?q=${encodeURIComponent(q)}`)).body
    const people = /<h2>People<\/h2>([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? ''
    return [...people.matchAll(/href="\/user\/([^"]+)"/g)].map((m) => m[1] as string)
  }

  it('people are found by the words of their full names, as they change', async () => {
    const fay = await signUp(site.app, 'fay')
    const profile = (full_name: string) =>
      fay.post('/account/settings/profile', { full_name, about: '', website: '' })
    await fay.get('/account/settings/profile')
    assert.equal((await profile('Ada Lovelace-Byron')).statusCode, 303)
    assert.deepEqual(await peopleFound('love'), ['fay'])
    assert.deepEqual(await peopleFound('BYR'), ['fay'])
    assert.deepEqual(await peopleFound('ovelace'), [], 'words are found from their start')
    assert.deepEqual(await peopleFound('fa'), ['fay'], 'and names')
    await profile('Grace Hopper')
    assert.deepEqual(await peopleFound('love'), [])
    assert.deepEqual(await peopleFound('hop'), ['fay'])
    const fayId = await userId('fay')
    assert.deepEqual(
      (await nameWords()).filter((w) => w.user_id === fayId).map((w) => w.word),
      ['grace', 'hopper'],
    )
    await fay.get('/account/settings')
    assert.equal((await fay.post('/account/delete', { password: PASSWORD })).statusCode, 200)
    await settle(site.app)
    assert.deepEqual(await peopleFound('hop'), [])
    assert.deepEqual(
      (await nameWords()).filter((w) => w.user_id === fayId),
      [],
    )
  })

  it('a long thread: the newest 100 comments, then the older ones', async () => {
    const key = await post(owner, 'long thread')
    const annId = await userId('ann')
    const ids: number[] = []
    for (let i = 0; i < 105; i++)
      ids.push(
        ...(await insertComments(db(), [{ userId: annId, postId: idOf(key), body: `c${i}` }])).map(
          (c) => c.id,
        ),
      )
    assert.deepEqual(await comments(key), { kept: 105, counted: 105 })

    const newest = await bea.get(`/p/${key}`)
    assert.deepEqual(commentIds(newest.body), ids.slice(5))
    const older = /href="\/p\/[0-9A-Z]+\?before=(\d+)#comments">Older comments</.exec(newest.body)
    assert.equal(Number(older?.[1]), ids[5])
    assert.doesNotMatch(newest.body, /Newest comments/)

    const page = await bea.get(`/p/${key}?before=${ids[5]}`)
    assert.deepEqual(commentIds(page.body), ids.slice(0, 5))
    assert.doesNotMatch(page.body, /Older comments/)
    assert.match(page.body, new RegExp(`href="/p/${key}#comments">Newest comments<`))
    // Anything but an id is the first page.
    assert.deepEqual(commentIds((await bea.get(`/p/${key}?before=x`)).body), ids.slice(5))

    // The API: the same pages, and the kept count on the post.
    const api = apiClient(
      site.app,
      (await grantTokens(site.app, bea, await registerApp(bea), 'read')).access,
    )
    const first = await api.get(`/api/sharedfile/${key}/comments`)
    assert.deepEqual(
      first.body.comments.map((c: { id: number }) => c.id),
      ids.slice(5),
    )
    assert.equal(first.body.older_before, ids[5])
    const rest = await api.get(`/api/sharedfile/${key}/comments?before=${ids[5]}`)
    assert.deepEqual(
      rest.body.comments.map((c: { id: number }) => c.id),
      ids.slice(0, 5),
    )
    assert.equal(rest.body.older_before, undefined)
    assert.equal((await api.get(`/api/sharedfile/${key}`)).body.comments, 105)

    // A comment's address finds the page it is on.
    const oldest = await bea.get(`/comment/${ids[0]}`)
    assert.equal(
      oldest.headers.location,
      `/p/${key}?before=${(ids[0] as number) + 1}#comment-${ids[0]}`,
    )
    const latest = await bea.get(`/comment/${ids[104]}`)
    assert.equal(latest.headers.location, `/p/${key}#comment-${ids[104]}`)
  })

  it('the migration fills them from the rows, down and up again', async () => {
    await postJson(ann, '/user/owner/subscribe')
    await postJson(bea, `/p/${await post(ann, 'liked before the migration')}/like`)
    await ann.get('/account/settings/profile')
    await ann.post('/account/settings/profile', { full_name: 'Ann Árbol', about: '', website: '' })
    assert.ok((await nameWords()).length > 0)
    const names = Object.keys(migrations).sort()
    const previous = names[names.indexOf('2026_12_05_0010_kept_counts') - 1] as string
    const migrator = new Migrator({
      db: db(),
      provider: { getMigrations: async () => migrations },
    })
    const keptValues = async () => ({
      shakes: await db()
        .selectFrom('shake')
        .select(['id', 'follower_count', 'post_count', 'member_count'])
        .orderBy('id')
        .execute(),
      posts: await db()
        .selectFrom('sharedfile')
        .select(['id', 'comment_count'])
        .orderBy('id')
        .execute(),
      conversations: await db()
        .selectFrom('conversation')
        .select(['id', 'last_comment_id'])
        .orderBy('id')
        .execute(),
      words: await nameWords(),
      people: await db()
        .selectFrom('user')
        .select(['id', 'post_count', 'following_count', 'like_count'])
        .orderBy('id')
        .execute(),
    })
    const before = await keptValues()
    assert.ok(before.shakes.some((s) => s.follower_count > 0))
    assert.ok(before.shakes.some((s) => s.post_count > 0))
    assert.ok(before.posts.some((p) => p.comment_count > 0))
    assert.ok(before.conversations.some((c) => c.last_comment_id !== null))
    assert.ok(before.people.some((p) => p.post_count > 0 && p.following_count > 0))
    assert.ok(before.people.some((p) => p.like_count > 0))
    assert.equal((await migrator.migrateTo(previous)).error, undefined)
    assert.equal((await migrator.migrateToLatest()).error, undefined)
    assert.deepEqual(await keptValues(), before)
  })
})
