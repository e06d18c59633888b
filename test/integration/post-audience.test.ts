// Who liked and who saved a post: MLTSHP's JSON lists (/p/KEY/likes, /p/KEY/saves) for scripts,
// a page of people for browsers, linked from the post's counts. Only live people and live saves,
// the newest first; a post that is not there is a 404 either way.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { post, postJson } from '../helpers/social.js'

interface AudienceJson {
  result: Array<{
    user_name: string
    user_profile_image_url: string | null
    posted_at: string
    posted_at_friendly: string
  }>
  count: number
}

describe(`who liked and saved a post (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let alice: Browser
  let key: string
  const fans: Browser[] = []
  before(async () => {
    // The page cache on, as in production: the lists must not go stale in it.
    site = await createTestSite({ PAGE_CACHE_SECONDS: '30' })
    alice = await signUp(site.app, 'alice')
    for (const name of ['bob', 'carol', 'dave']) fans.push(await signUp(site.app, name))
    key = await post(alice, 'a <b>bold</b> cat')
    for (const fan of fans) assert.equal((await postJson(fan, `/p/${key}/like`)).status, 200)
    for (const fan of fans.slice(0, 2)) {
      const saved = await postJson(fan, `/p/${key}/save`)
      assert.equal(saved.status, 200, JSON.stringify(saved.body))
    }
  })
  after(() => site?.close())

  const json = async (url: string, headers: Record<string, string> = {}) => {
    const response = await site.app.inject({ url, headers })
    return { status: response.statusCode, type: response.headers['content-type'], response }
  }

  it('lists the likers, newest first, as MLTSHP’s JSON for scripts', async () => {
    for (const ask of [`/p/${key}/likes?json=1`, `/p/${key}/likes`]) {
      const { status, type, response } = await json(ask, { accept: 'application/json' })
      assert.equal(status, 200)
      assert.match(String(type), /application\/json/)
      const body = response.json() as AudienceJson
      assert.deepEqual(
        body.result.map((r) => r.user_name),
        ['dave', 'carol', 'bob'],
      )
      assert.equal(body.count, 3)
      assert.ok(body.result.every((r) => !Number.isNaN(Date.parse(r.posted_at))))
      assert.ok(body.result.every((r) => r.posted_at_friendly.length > 0))
    }
  })

  it('lists the savers, and forgets a deleted save and a deleted account', async () => {
    const before = (await json(`/p/${key}/saves?json=1`)).response.json() as AudienceJson
    assert.deepEqual(
      before.result.map((r) => r.user_name),
      ['carol', 'bob'],
    )
    const bob = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'bob')
      .executeTakeFirstOrThrow()
    await site.app.db.updateTable('user').set({ deleted: 1 }).where('id', '=', bob.id).execute()
    try {
      const likes = (await json(`/p/${key}/likes?json=1`)).response.json() as AudienceJson
      assert.deepEqual(
        likes.result.map((r) => r.user_name),
        ['dave', 'carol'],
      )
      const saves = (await json(`/p/${key}/saves?json=1`)).response.json() as AudienceJson
      assert.deepEqual(
        saves.result.map((r) => r.user_name),
        ['carol'],
      )
    } finally {
      await site.app.db.updateTable('user').set({ deleted: 0 }).where('id', '=', bob.id).execute()
    }
    const carolSave = await site.app.db
      .selectFrom('sharedfile as p')
      .innerJoin('user as u', 'u.id', 'p.user_id')
      .select('p.id')
      .where('u.name', '=', 'carol')
      .where('p.parent_id', '=', Number.parseInt(key, 36))
      .executeTakeFirstOrThrow()
    await site.app.db
      .updateTable('sharedfile')
      .set({ deleted: 1 })
      .where('id', '=', carolSave.id)
      .execute()
    const after = (await json(`/p/${key}/saves?json=1`)).response.json() as AudienceJson
    assert.deepEqual(
      after.result.map((r) => r.user_name),
      ['bob'],
    )
  })

  it('shows browsers a page of people, linked from the post’s counts, with the title escaped', async () => {
    const page = await alice.get(`/p/${key}`)
    assert.match(page.body, new RegExp(`href="/p/${key}/likes"`))
    assert.match(page.body, new RegExp(`href="/p/${key}/saves"`))
    for (const anyone of [alice, null]) {
      const likers = anyone
        ? await anyone.get(`/p/${key}/likes`)
        : await site.app.inject({ url: `/p/${key}/likes` })
      assert.equal(likers.statusCode, 200)
      assert.match(String(likers.headers['content-type']), /text\/html/)
      assert.match(likers.body, /<h1>People who liked “a &lt;b&gt;bold&lt;\/b&gt; cat”<\/h1>/)
      assert.doesNotMatch(likers.body, /<b>bold<\/b>/)
      for (const name of ['bob', 'carol', 'dave'])
        assert.match(likers.body, new RegExp(`<a href="/user/${name}">${name}</a>`))
      assert.match(likers.body, new RegExp(`<a href="/p/${key}">Back to the post</a>`))
    }
    // The same address asked for as JSON after a browser's look: never the cached page.
    const script = await json(`/p/${key}/likes`, { accept: 'application/json' })
    assert.match(String(script.type), /application\/json/)
  })

  it('shows a visitor a new like at once, though the list was cached a moment before', async () => {
    // Signing up writes too (and drops every cached page): done before the list is cached.
    const erin = await signUp(site.app, 'erin')
    await erin.get(`/p/${key}`)
    const visitor = () => site.app.inject({ url: `/p/${key}/likes` })
    const first = await visitor()
    assert.doesNotMatch(first.body, /<a href="\/user\/erin">/)
    assert.equal((await visitor()).headers['x-page-cache'], 'hit', 'the list is cached')
    assert.equal((await postJson(erin, `/p/${key}/like`)).status, 200)
    assert.match((await visitor()).body, /<a href="\/user\/erin">erin<\/a>/)
  })

  it('answers 404 for a post that is not there, a page for browsers and JSON for scripts', async () => {
    for (const missing of ['zzzzzz', '0', `${key}x`]) {
      for (const list of ['likes', 'saves']) {
        const page = await site.app.inject({ url: `/p/${missing}/${list}` })
        assert.equal(page.statusCode, 404, `${missing}/${list}`)
        assert.match(String(page.headers['content-type']), /text\/html/)
        const script = await json(`/p/${missing}/${list}`, { accept: 'application/json' })
        assert.equal(script.status, 404)
        assert.match(String(script.type), /application\/json/)
      }
    }
  })
})
