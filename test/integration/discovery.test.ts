// Tags, search, feeds and embeds, on the database of this run.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import Parser from 'rss-parser'
import { migrations } from '../../migrations/index.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { post, postJson } from '../helpers/social.js'

describe(`discovery (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
  })
  after(() => site.close())

  async function postWith(
    browser: Browser,
    fields: { title: string; description?: string; alt?: string },
  ) {
    const key = await post(browser, fields.title)
    await browser.get(`/p/${key}`)
    const edited = await browser.post(`/p/${key}/edit`, {
      title: fields.title,
      description: fields.description ?? '',
      alt_text: fields.alt ?? '',
    })
    assert.equal(edited.statusCode, 303)
    return key
  }

  describe('tags', () => {
    it('come from #words in descriptions, link to their pages, and follow edits', async () => {
      const key = await postWith(alice, {
        title: 'Sunset',
        description:
          'At the #Beach with #friends, #Beach again, #waytoolongtagnamethatcannotbe and a#b',
      })
      const page = await bob.get(`/p/${key}`)
      assert.match(
        page.body,
        /<a href="\/tag\/beach" class="tag">#Beach<\/a> with <a href="\/tag\/friends" class="tag">#friends<\/a>/,
      )
      // Each tag is shown once: linked where it stands in the description, not listed again.
      assert.equal([...page.body.matchAll(/href="\/tag\/friends"/g)].length, 1)
      assert.equal([...page.body.matchAll(/href="\/tag\/beach"/g)].length, 2, 'as often as written')
      assert.doesNotMatch(page.body, /tag\/waytoolong|tag\/b"/)
      assert.match((await bob.get('/tag/beach')).body, new RegExp(`href="/p/${key}"`))
      assert.match((await bob.get('/tag/BEACH')).body, new RegExp(`href="/p/${key}"`), 'any case')

      await alice.get(`/p/${key}`)
      await alice.post(`/p/${key}/edit`, {
        title: 'Sunset',
        description: 'Now at the #ocean',
        alt_text: '',
      })
      assert.doesNotMatch((await bob.get('/tag/beach')).body, new RegExp(`href="/p/${key}"`))
      assert.match((await bob.get('/tag/ocean')).body, new RegExp(`href="/p/${key}"`))

      const saved = await postJson(bob, `/p/${key}/save`)
      assert.match(
        (await bob.get('/tag/ocean')).body,
        new RegExp(`href="/p/${saved.body.key}"`),
        'saves keep the tags',
      )
      for (const url of ['/tag/no-such!', `/tag/${'x'.repeat(21)}`])
        assert.equal((await bob.get(url)).statusCode, 404, url)
      assert.match((await bob.get('/tag/nothinghere')).body, /Nothing carries this tag yet/)
    })

    it('page with before and after keys', async () => {
      const keys: string[] = []
      for (let i = 0; i < 12; i++)
        keys.push(await postWith(bob, { title: `paged ${i}`, description: 'a #pagedtag post' }))
      const first = await alice.get('/tag/pagedtag')
      assert.match(first.body, new RegExp(`href="/tag/pagedtag/before/${keys[2]}" rel="next"`))
      const older = await alice.get(`/tag/pagedtag/before/${keys[2]}`)
      assert.match(older.body, /paged 1[\s\S]*paged 0/)
      assert.match(older.body, new RegExp(`href="/tag/pagedtag/after/${keys[1]}" rel="prev"`))
    })
  })

  describe('search', () => {
    let catKey: string
    let mountainKey: string
    before(async () => {
      catKey = await postWith(alice, {
        title: 'Orange cat sleeping',
        description: 'A fluffy kitten naps',
      })
      mountainKey = await postWith(bob, {
        title: 'Mountain view',
        alt: 'Snowy peaks under a blue sky',
      })
      const carol = await signUp(site.app, 'carol')
      await carol.get('/account/settings/profile')
      await carol.post('/account/settings/profile', {
        full_name: 'Catherine Lover',
        about: '',
        website: '',
      })
    })

    const postsFound = (body: string) =>
      [...body.matchAll(/<h3><a href="\/p\/([0-9A-Z]+)">/g)].map((m) => m[1])

    it('finds posts by title, description and alt text, ranked', async () => {
      assert.deepEqual(postsFound((await bob.get('/search?q=kitten')).body), [catKey])
      assert.deepEqual(postsFound((await bob.get('/search?q=Orange')).body), [catKey])
      assert.deepEqual(postsFound((await bob.get('/search?q=snowy%20peaks')).body), [mountainKey])
      const both = postsFound((await bob.get('/search?q=kitten+mountain')).body)
      assert.deepEqual([...both].sort(), [catKey, mountainKey].sort())
    })

    it('filters with from: and in:', async () => {
      assert.deepEqual(postsFound((await bob.get('/search?q=kitten+from:alice')).body), [catKey])
      assert.deepEqual(postsFound((await bob.get('/search?q=kitten+from:bob')).body), [])
      assert.deepEqual(postsFound((await bob.get('/search?q=mountain+in:bob')).body), [mountainKey])
      assert.deepEqual(postsFound((await bob.get('/search?q=mountain+in:alice')).body), [])
    })

    it('ranks by words matched, then newest; originals only; follows edits and deletes', async () => {
      const boats = await postWith(alice, { title: 'Harbour boats at dawn' })
      const fog = await postWith(alice, { title: 'Harbour fog' })
      assert.deepEqual(postsFound((await bob.get('/search?q=harbour+boats')).body), [boats, fog])
      assert.deepEqual(postsFound((await bob.get('/search?q=harbour')).body), [fog, boats])

      const saved = await postJson(bob, `/p/${fog}/save`)
      assert.equal(saved.status, 200)
      assert.deepEqual(
        postsFound((await bob.get('/search?q=fog')).body),
        [fog],
        'a saved copy does not repeat its original',
      )

      await alice.get(`/p/${fog}`)
      await alice.post(`/p/${fog}/edit`, { title: 'Morning mist', description: '', alt_text: '' })
      assert.deepEqual(postsFound((await bob.get('/search?q=fog')).body), [])
      assert.deepEqual(postsFound((await bob.get('/search?q=mist')).body), [fog])

      await alice.get(`/p/${boats}`)
      assert.equal((await alice.post(`/p/${boats}/delete`, {})).statusCode, 303)
      assert.deepEqual(postsFound((await bob.get('/search?q=boats')).body), [])
      const left = await site.app.db
        .selectFrom('post_word')
        .innerJoin('sharedfile', 'sharedfile.id', 'post_word.sharedfile_id')
        .select('post_word.word')
        .where('sharedfile.title', '=', 'Harbour boats at dawn')
        .execute()
      assert.deepEqual(left, [], 'a deleted post leaves no words behind')
    })

    it('the migration finds the posts already there, down and up again', async () => {
      const words = () =>
        site.app.db
          .selectFrom('post_word')
          .selectAll()
          .orderBy('sharedfile_id')
          .orderBy('word')
          .execute()
      const before = await words()
      assert.ok(before.some((w) => w.word === 'kitten'))
      const names = Object.keys(migrations).sort()
      const previous = names[names.indexOf('2026_12_06_0005_post_words') - 1] as string
      const migrator = new Migrator({
        db: site.app.db,
        provider: { getMigrations: async () => migrations },
      })
      assert.equal((await migrator.migrateTo(previous)).error, undefined)
      assert.equal((await migrator.migrateToLatest()).error, undefined)
      assert.deepEqual(await words(), before)
      assert.deepEqual(postsFound((await bob.get('/search?q=kitten')).body), [catKey])
    })

    it('finds people by name and full name', async () => {
      const page = (await bob.get('/search?q=ali')).body
      assert.match(page, /<h2>People<\/h2>[\s\S]*href="\/user\/alice"/)
      assert.match(
        (await bob.get('/search?q=lover')).body,
        /href="\/user\/carol">carol<\/a> · Catherine Lover/,
      )
      assert.doesNotMatch(
        (await bob.get('/search?q=%25')).body,
        /<h2>People<\/h2>/,
        '% is not a wildcard',
      )
    })

    it('answers any query string with a page', async () => {
      for (const q of [
        '"',
        '*',
        '+-',
        "'; drop table user; --",
        'x'.repeat(10_000),
        '猫 🐈 ünïcödé',
        'AND OR NOT',
        'NEAR(a b)',
        'title:cat',
        '\\',
        '%_%',
        '',
      ]) {
        const response = await bob.get(`/search?q=${encodeURIComponent(q)}`)
        assert.equal(response.statusCode, 200, q.slice(0, 30))
      }
      assert.equal((await bob.get('/search?q=cat&page=-3')).statusCode, 200)
      assert.equal((await bob.get('/search?q=cat&page=abc')).statusCode, 200)
      const users = await site.app.db.selectFrom('user').select('id').execute()
      assert.ok(users.length >= 3, 'nothing was dropped')
    })
  })

  describe('feeds and embeds', () => {
    it('serves RSS 2.0 that a feed parser reads', async () => {
      const key = await postWith(alice, {
        title: 'Feed & <friends>',
        description: 'For the "feed"',
      })
      const response = await site.app.inject({ url: '/user/alice/rss' })
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^application\/rss\+xml/)
      const feed = await new Parser().parseString(response.body)
      assert.equal(feed.title, 'alice')
      assert.equal(feed.link, 'http://mlkshk.test/user/alice')
      const item = feed.items.find((i) => i.link === `http://mlkshk.test/p/${key}`)
      assert.ok(item, 'the post is in the feed')
      assert.equal(item.title, 'Feed & <friends>')
      assert.match(item.content ?? '', /<img src="http:\/\/mlkshk\.test\/r\/[0-9A-Z]+/)
      assert.ok(item.enclosure?.url.startsWith('http://mlkshk.test/r/'))
      const shakeFeed = await new Parser().parseString(
        (await site.app.inject({ url: '/shake/alice/rss' })).body,
      )
      assert.equal(shakeFeed.items.length, feed.items.length)
      assert.equal((await site.app.inject({ url: '/user/nobody-here/rss' })).statusCode, 404)
      assert.equal((await site.app.inject({ url: '/shake/nothing-here/rss' })).statusCode, 404)
    })

    it('answers oEmbed for its own posts only', async () => {
      const key = await post(alice, 'embed me')
      const url = `http://mlkshk.test/p/${key}`
      const ok = await site.app.inject({
        url: `/services/oembed?url=${encodeURIComponent(url)}&maxwidth=300`,
      })
      assert.equal(ok.statusCode, 200)
      const body = ok.json()
      assert.equal(body.type, 'photo')
      assert.equal(body.version, '1.0')
      assert.equal(body.author_name, 'alice')
      assert.ok(body.width <= 300)
      assert.match(body.url, /^http:\/\/mlkshk\.test\/r\/[0-9A-Z]+(\/small)?$/)
      for (const bad of [
        'https://evil.example/p/1',
        'http://mlkshk.test/p/ZZZZZZZ',
        'http://mlkshk.test/user/alice',
        'not a url',
        '',
      ]) {
        const response = await site.app.inject({
          url: `/services/oembed?url=${encodeURIComponent(bad)}`,
        })
        assert.equal(response.statusCode, 404, bad)
      }
      assert.equal(
        (
          await site.app.inject({
            url: `/services/oembed?url=${encodeURIComponent(url)}&format=xml`,
          })
        ).statusCode,
        501,
      )
    })

    it('lists the latest 20 posts in a feed', async () => {
      const keys: string[] = []
      for (let i = 0; i < 22; i++) keys.push(await post(alice, `feed item ${i}`))
      const feed = await new Parser().parseString(
        (await site.app.inject({ url: '/user/alice/rss' })).body,
      )
      assert.equal(feed.items.length, 20)
      assert.deepEqual(
        feed.items.map((item) => item.link),
        keys
          .slice(-20)
          .reverse()
          .map((key) => `http://mlkshk.test/p/${key}`),
      )
    })

    it('lets other sites read oEmbed answers: CORS without credentials, and JSONP', async () => {
      const key = await post(alice, 'embed me elsewhere')
      const url = encodeURIComponent(`http://mlkshk.test/p/${key}`)
      const cors = await site.app.inject({
        url: `/services/oembed?url=${url}`,
        headers: { origin: 'https://elsewhere.example' },
      })
      assert.equal(cors.statusCode, 200)
      assert.equal(cors.headers['access-control-allow-origin'], '*')
      assert.equal(cors.headers['access-control-allow-credentials'], undefined)
      assert.equal(cors.headers['cross-origin-resource-policy'], 'cross-origin')
      const jsonp = await site.app.inject({ url: `/services/oembed?url=${url}&jsoncallback=cb12` })
      assert.equal(jsonp.statusCode, 200)
      assert.match(String(jsonp.headers['content-type']), /^application\/javascript/)
      const body = /^\/\*\*\/cb12\((.*)\);$/s.exec(jsonp.body)?.[1]
      assert.ok(body, jsonp.body)
      assert.equal(JSON.parse(body).author_name, 'alice')
      const missing = await site.app.inject({
        url: `/services/oembed?url=${encodeURIComponent('http://mlkshk.test/p/ZZZZZZZ')}&jsoncallback=cb`,
      })
      assert.equal(missing.statusCode, 404)
      assert.match(missing.body, /^\/\*\*\/cb\(\{"error":/)
      for (const bad of ['alert(1)//', 'a.b', 'a b', '<script>', 'x'.repeat(65), '']) {
        const refused = await site.app.inject({
          url: `/services/oembed?url=${url}&jsoncallback=${encodeURIComponent(bad)}`,
        })
        assert.equal(refused.statusCode, 400, bad)
        assert.match(String(refused.headers['content-type']), /^application\/json/)
        assert.ok(!refused.body.includes(bad) || bad === '', bad)
      }
    })

    it('puts OpenGraph, Twitter card and oEmbed discovery tags on post pages', async () => {
      const key = await postWith(alice, { title: 'Card <title>', alt: 'An alt text' })
      const page = (await bob.get(`/p/${key}`)).body
      assert.match(page, /<meta property="og:title" content="Card &lt;title&gt;">/)
      assert.match(
        page,
        new RegExp(`<meta property="og:url" content="http://mlkshk.test/p/${key}">`),
      )
      assert.match(page, /<meta property="og:image" content="http:\/\/mlkshk\.test\/r\/[0-9A-Z]+">/)
      assert.match(page, /<meta name="twitter:card" content="summary_large_image">/)
      assert.match(page, /<meta property="og:image:alt" content="An alt text">/)
      assert.match(
        page,
        new RegExp(
          `<link rel="alternate" type="application/json\\+oembed" href="http://mlkshk.test/services/oembed\\?url=http%3A%2F%2Fmlkshk.test%2Fp%2F${key}"`,
        ),
      )
    })
  })
})
