// The social loop, in both modes: embedded (jobs in the web process) and production (BullMQ
// on Redis with a worker).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { recountPosts } from '../../src/services/counter-reconciler.js'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { signUp } from '../helpers/accounts.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { jobContext, settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { createSocialSite, type Mode, post, postJson, type SocialSite } from '../helpers/social.js'

for (const mode of ['embedded', 'production'] as Mode[]) {
  describe(`social loop (${mode})`, async () => {
    const skip = mode === 'production' ? await skipUnless('Redis', redisUrl) : false
    let site: SocialSite
    let alice: Browser
    let bob: Browser
    before(async () => {
      if (skip) return
      site = await createSocialSite(mode, redisUrl, { MAGIC_THRESHOLD: '3' })
      alice = await signUp(site.app, 'alice')
      bob = await signUp(site.app, 'bob')
    })
    after(() => site?.close())

    const db = () => site.app.db
    const postRow = async (key: string) =>
      db()
        .selectFrom('sharedfile')
        .selectAll()
        .where('id', '=', Number.parseInt(key, 36))
        .executeTakeFirstOrThrow()
    const notifications = async (userName: string) =>
      db()
        .selectFrom('notification as n')
        .innerJoin('user as u', 'u.id', 'n.receiver_id')
        .select(['n.type', 'n.action_id'])
        .where('u.name', '=', userName)
        .orderBy('n.id')
        .execute()

    it('follow, post, timeline, like, save, comment, mention, notifications, counts', {
      skip,
    }, async () => {
      await bob.get('/user/alice')
      assert.match(bob.lastPage?.body ?? '', />Follow</)
      assert.equal((await bob.post('/user/alice/subscribe', {})).statusCode, 303)
      const key = await post(alice, 'Hello <friends>')
      await settle(site.app)

      const timeline = await bob.get('/')
      assert.match(timeline.body, /Your friends/)
      assert.match(timeline.body, new RegExp(`href="/p/${key}"`))
      assert.match(timeline.body, /Hello &lt;friends&gt;/)

      const liked = await postJson(bob, `/p/${key}/like`)
      assert.deepEqual(liked, { status: 200, body: { liked: true, like_count: 1 } })
      assert.deepEqual(
        (await postJson(bob, `/p/${key}/like`)).body,
        { liked: true, like_count: 1 },
        'liking twice counts once',
      )

      await bob.get(`/p/${key}`)
      const saved = await bob.post(`/p/${key}/save`, {})
      assert.equal(saved.statusCode, 303)
      const savedKey = (location(saved) as string).slice(3)
      assert.notEqual(savedKey, key)
      const copy = await postRow(savedKey)
      assert.equal(copy.parent_id, Number.parseInt(key, 36))
      assert.equal(copy.original_id, Number.parseInt(key, 36))
      const again = await postJson(bob, `/p/${key}/save`)
      assert.equal(again.body.created, false, 'saving into the same shake twice does nothing')
      assert.equal(again.body.key, savedKey)

      await bob.get(`/p/${key}`)
      const commented = await bob.post(`/p/${key}/comment`, {
        body: '@alice <b>nice</b> https://example.com/x',
      })
      assert.equal(commented.statusCode, 303)
      await settle(site.app)

      const page = await alice.get(`/p/${key}`)
      assert.match(page.body, /1 like</)
      assert.match(page.body, /1 save</)
      assert.match(
        page.body,
        /<a href="\/user\/alice" class="mention">@alice<\/a> &lt;b&gt;nice&lt;\/b&gt; <a href="https:\/\/example\.com\/x" rel="nofollow noopener ugc">/,
      )
      const row = await postRow(key)
      assert.deepEqual([row.like_count, row.save_count], [1, 1])

      assert.deepEqual(
        (await notifications('alice')).map((n) => n.type),
        ['subscriber', 'favorite', 'save', 'comment', 'mention'],
      )
      const sidebar = await alice.get('/')
      assert.match(
        sidebar.body,
        /<aside class="sidebar"[\s\S]*<a href="\/user\/bob">bob<\/a> liked <a href="\/p\/[0-9A-Z]+">[^<]+<\/a>/,
      )
      const shown = await alice.get('/notifications')
      assert.match(shown.body, /<a href="\/user\/bob">bob<\/a> liked <a href="\/p\/[0-9A-Z]+">/)
      // A comment's and a mention's links lead to the comment on its post.
      const commentLinks = [
        ...shown.body.matchAll(/<a href="(\/comment\/\d+)">(?:commented|a comment)<\/a> on <a/g),
      ].map((m) => m[1] as string)
      assert.equal(commentLinks.length, 2, 'a link for the comment and one for the mention')
      for (const link of commentLinks) {
        const followed = await alice.get(link)
        assert.equal(followed.statusCode, 302, link)
        assert.match(String(followed.headers.location), /^\/p\/[0-9A-Z]+#comment-\d+$/)
        const page = await alice.get(String(followed.headers.location).split('#')[0] as string)
        const anchor = String(followed.headers.location).split('#')[1]
        assert.match(page.body, new RegExp(`id="${anchor}"`), 'the comment is on the page')
      }
      assert.equal((await alice.get('/comment/999999')).statusCode, 404)
      assert.equal((await alice.get('/comment/abc')).statusCode, 404)
      assert.match(shown.body, /started following you/)
      assert.match(
        shown.body,
        /<a class="notification-thumb" href="\/user\/bob"[^>]*><span class="avatar-letter notification-letter">B<\/span>/,
        'the new follower is pictured',
      )
      await alice.post('/notifications/clear', {})
      assert.match((await alice.get('/notifications')).body, /Nothing new this week/)

      // Likes page, Incoming, Popular.
      assert.match((await bob.get('/user/bob/likes')).body, new RegExp(`href="/p/${key}"`))
      assert.match((await bob.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
      assert.doesNotMatch(
        (await bob.get('/incoming')).body,
        new RegExp(`href="/p/${savedKey}"`),
        'saves are not incoming',
      )
      assert.match((await bob.get('/popular')).body, new RegExp(`href="/p/${key}"`))
      assert.match((await bob.get('/user/alice/followers')).body, /href="\/user\/bob"/)
      assert.match((await bob.get('/user/bob/following')).body, /href="\/user\/alice"/)

      // Unlike brings the count back; the like of the saved copy credits the original too.
      assert.deepEqual((await postJson(bob, `/p/${key}/unlike`)).body, {
        liked: false,
        like_count: 0,
      })
      const carol = await signUp(site.app, 'carol')
      const carolLike = await postJson(carol, `/p/${savedKey}/like`)
      assert.equal(carolLike.body.like_count, 1, JSON.stringify(carolLike))
      assert.equal((await postRow(key)).like_count, 1, 'the original is credited')
      // Alice liking bob's copy of her own post credits the copy, never her own original.
      const aliceLike = await postJson(alice, `/p/${savedKey}/like`)
      assert.equal(aliceLike.body.like_count, 2, JSON.stringify(aliceLike))
      assert.equal((await postRow(key)).like_count, 1, 'nobody is credited with their own like')
      // The reconciler counts the same way: nothing to correct.
      const ids = [key, savedKey].map((k) => idFromShareKey(k) as number)
      assert.deepEqual(await recountPosts(site.app.db, ids), { likes: 0, saves: 0 })
      await postJson(alice, `/p/${savedKey}/unlike`)
      assert.equal((await postRow(key)).like_count, 1, 'and taking it back takes nothing from it')
    })

    it('refuses what may not be done, changing nothing', { skip }, async () => {
      const own = await post(alice, 'mine')
      const deleted = await post(alice, 'gone')
      await alice.get(`/p/${deleted}`)
      await alice.post(`/p/${deleted}/delete`, {})
      const cases: Array<[Browser, string, Record<string, string>, number]> = [
        [alice, `/p/${own}/like`, {}, 403],
        [alice, `/p/${own}/save`, {}, 403],
        [bob, `/p/${deleted}/like`, {}, 404],
        [bob, `/p/${deleted}/save`, {}, 404],
        [bob, '/p/ZZZZZZ/like', {}, 404],
        [bob, '/p/ZZZZZZ/save', {}, 404],
        [bob, `/p/${own}/save`, { shake_id: '999999' }, 403],
        [bob, `/p/${deleted}/comment`, { body: 'hi' }, 404],
        [bob, `/p/${own}/comment`, { body: '   ' }, 400],
        [bob, `/p/${own}/comment`, { body: 'x'.repeat(2001) }, 400],
        [alice, '/user/alice/subscribe', {}, 403],
        [bob, '/user/nobody-here/subscribe', {}, 404],
        [bob, '/shake/999999/subscribe', {}, 404],
      ]
      for (const [who, url, form, status] of cases) {
        const response = await postJson(who, url, form)
        assert.equal(response.status, status, url)
      }
      const row = await postRow(own)
      assert.deepEqual([row.like_count, row.save_count], [0, 0])

      // Deleting someone else's comment: only the author or the post's owner may.
      const carol = await signUp(site.app, 'carol2')
      await carol.get(`/p/${own}`)
      await carol.post(`/p/${own}/comment`, { body: 'by carol' })
      const comment = await db()
        .selectFrom('comment')
        .select('id')
        .where('body', '=', 'by carol')
        .executeTakeFirstOrThrow()
      assert.equal((await postJson(bob, `/p/${own}/comment/${comment.id}/delete`)).status, 403)
      assert.equal(
        (await postJson(alice, `/p/${own}/comment/${comment.id}/delete`)).status,
        200,
        'the owner may',
      )
      assert.doesNotMatch((await bob.get(`/p/${own}`)).body, /by carol/)

      // Without a CSRF token nothing happens.
      await bob.get(`/p/${own}`)
      for (const url of [
        `/p/${own}/like`,
        `/p/${own}/save`,
        `/p/${own}/comment`,
        '/user/alice/subscribe',
      ]) {
        assert.equal((await bob.post(url, { body: 'x' }, { csrf: false })).statusCode, 403, url)
      }
      assert.equal(
        (await site.app.inject({ method: 'POST', url: `/p/${own}/like` })).statusCode,
        403,
      )
    })

    it('counts the likes a person has given on their profile', { skip }, async () => {
      const giver = await signUp(site.app, 'giver')
      const likesShown = async () =>
        /<strong>([\d,]+\+?)<\/strong> likes?</.exec((await alice.get('/user/giver')).body)?.[1]
      assert.equal(await likesShown(), '0')
      const keys = [await post(alice, 'one'), await post(alice, 'two'), await post(alice, 'three')]
      for (const key of keys) assert.equal((await postJson(giver, `/p/${key}/like`)).status, 200)
      assert.equal(await likesShown(), '3')
      await postJson(giver, `/p/${keys[0]}/unlike`)
      assert.match((await alice.get('/user/giver')).body, /<strong>2<\/strong> likes</)
    })

    it('makes a post magic exactly once at the like threshold', { skip }, async () => {
      const key = await post(alice, 'magic')
      const likers = [bob, await signUp(site.app, `m1${mode}`), await signUp(site.app, `m2${mode}`)]
      for (const liker of likers) await postJson(liker, `/p/${key}/like`)
      await postJson(bob, `/p/${key}/unlike`)
      await postJson(bob, `/p/${key}/like`)
      await settle(site.app)
      const magic = await db()
        .selectFrom('magicfile')
        .selectAll()
        .where('sharedfile_id', '=', Number.parseInt(key, 36))
        .execute()
      assert.equal(magic.length, 1)
    })

    it('shows the same image once in a timeline, and back-fills on follow', { skip }, async () => {
      const dave = await signUp(site.app, `dave${mode}`)
      const erin = await signUp(site.app, `erin${mode}`)
      const image = await images.noisyJpeg(40, 40)
      const first = await post(dave, 'same image')
      const second = await post(erin, 'same image again')
      const reader = await signUp(site.app, `reader${mode}`)
      await reader.get(`/user/dave${mode}`)
      await reader.post(`/user/dave${mode}/subscribe`, {})
      await reader.post(`/user/erin${mode}/subscribe`, {})
      await settle(site.app)
      const timeline = (await reader.get('/')).body
      assert.match(timeline, new RegExp(`href="/p/${first}"`), 'back-filled from the first follow')
      assert.match(timeline, new RegExp(`href="/p/${second}"`))
      const third = await post(dave, 'dup 1', image)
      const fourth = await post(erin, 'dup 2', image)
      await settle(site.app)
      const after = (await reader.get('/')).body
      const shown = [third, fourth].filter((k) => after.includes(`href="/p/${k}"`))
      assert.equal(shown.length, 1, 'one image, one entry')
    })

    it('counts views by others, and keeps conversations, mentions and comment likes', {
      skip,
    }, async () => {
      const key = await post(alice, 'viewed')
      for (const viewer of [bob, bob, bob, alice, alice]) await viewer.get(`/r/${key}`)
      await site.app.inject({ url: `/r/${key}` })
      await site.app.inject({ url: `/r/${key}/thumb` })
      await site.app.views.flush()
      assert.equal(
        (await postRow(key)).view_count,
        4,
        "the owner's looks and thumbnails are not views",
      )

      await bob.get(`/p/${key}`)
      await bob.post(`/p/${key}/comment`, { body: 'hi @ALICE and @nobody-at-all' })
      await settle(site.app)
      const comment = await db()
        .selectFrom('comment')
        .select('id')
        .where('body', 'like', 'hi @ALICE%')
        .executeTakeFirstOrThrow()
      assert.match((await bob.get('/conversations')).body, new RegExp(`href="/p/${key}#comments"`))
      assert.match(
        (await alice.get('/conversations')).body,
        new RegExp(`href="/p/${key}#comments"`),
      )
      assert.match(
        (await alice.get('/mentions')).body,
        /hi <a href="\/user\/ALICE" class="mention">@ALICE<\/a> and <a href="\/user\/nobody-at-all" class="mention">@nobody-at-all<\/a>/,
      )
      await bob.get('/conversations')
      await bob.post(`/p/${key}/mute`, {})
      assert.doesNotMatch(
        (await bob.get('/conversations')).body,
        new RegExp(`href="/p/${key}#comments"`),
      )

      assert.deepEqual((await postJson(alice, `/p/${key}/comment/${comment.id}/like`)).body, {
        like_count: 1,
      })
      assert.deepEqual((await postJson(alice, `/p/${key}/comment/${comment.id}/like`)).body, {
        like_count: 1,
      })
      assert.equal((await postJson(bob, `/p/${key}/comment/${comment.id}/like`)).status, 403)
      assert.deepEqual((await postJson(alice, `/p/${key}/comment/${comment.id}/unlike`)).body, {
        like_count: 0,
      })
      assert.equal((await postJson(alice, `/p/${key}/comment/999999/like`)).status, 404)
    })

    it('groups likes and saves per post, and hides notifications older than a week', {
      skip,
    }, async () => {
      const frank = await signUp(site.app, `frank${mode}`)
      const key = await post(frank, 'grouped')
      const fans = [await signUp(site.app, `g1${mode}`), await signUp(site.app, `g2${mode}`)]
      for (const fan of fans) await postJson(fan, `/p/${key}/like`)
      await settle(site.app)
      const fanLink = (name: string) => `<a href="/user/${name}">${name}</a>`
      // Two are named; the post is named by its title, beside its thumbnail.
      let page = await frank.get('/notifications')
      assert.match(
        page.body,
        new RegExp(
          `${fanLink(`g2${mode}`)} and ${fanLink(`g1${mode}`)} liked <a href="/p/${key}">grouped</a>`,
        ),
      )
      assert.match(page.body, new RegExp(`<img src="[^"]*/r/${key}/thumb"`), 'the thumbnail')
      assert.equal([...page.body.matchAll(/liked <a href/g)].length, 1, 'one line for the post')
      // More: the newest is named, the rest counted.
      for (const name of ['g3', 'g4'])
        await postJson(await signUp(site.app, `${name}${mode}`), `/p/${key}/like`)
      await settle(site.app)
      page = await frank.get('/notifications')
      assert.match(
        page.body,
        new RegExp(`${fanLink(`g4${mode}`)} and 3 others liked <a href="/p/${key}">grouped</a>`),
      )
      // A deleted post's notifications go with it: nothing left to open.
      const other = await post(frank, 'soon gone')
      await postJson(fans[0] as Browser, `/p/${other}/like`)
      await settle(site.app)
      assert.match((await frank.get('/notifications')).body, new RegExp(`href="/p/${other}"`))
      await frank.get(`/p/${other}`)
      assert.equal((await frank.post(`/p/${other}/delete`, {})).statusCode, 303)
      assert.doesNotMatch((await frank.get('/notifications')).body, new RegExp(`/p/${other}`))
      const frankId = (
        await db()
          .selectFrom('user')
          .select('id')
          .where('name', '=', `frank${mode}`)
          .executeTakeFirstOrThrow()
      ).id
      await db()
        .updateTable('notification')
        .set({ created_at: '2020-01-01 00:00:00' })
        .where('receiver_id', '=', frankId)
        .execute()
      assert.match((await frank.get('/notifications')).body, /Nothing new this week/)
    })

    it('recounts drifted counters from the rows', { skip }, async () => {
      const key = await post(alice, 'drift')
      await postJson(bob, `/p/${key}/like`)
      const id = Number.parseInt(key, 36)
      await db()
        .updateTable('sharedfile')
        .set({ like_count: 42, save_count: 7 })
        .where('id', '=', id)
        .execute()
      const { runJob } = await import('../../src/jobs/definitions.js')
      await runJob(jobContext(site.app), 'recount', {})
      const row = await postRow(key)
      assert.deepEqual([row.like_count, row.save_count], [1, 0])
    })
  })
}
