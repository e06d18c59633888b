// Blocking and muting: every interaction route refuses a blocked user with a 403 and a
// message, nothing is stored; a blocked user's content is hidden from the blocker; mutes keep
// people and shakes out of the timeline and notifications without telling them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { type Browser, location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { postJson } from '../helpers/social.js'

describe(`block and mute (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  let dave: Browser

  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60', MAGIC_THRESHOLD: '100' })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
    dave = await signUp(site.app, 'dave')
  })
  after(() => site.close())

  const db = () => site.app.db
  const userId = async (name: string) =>
    (await db().selectFrom('user').select('id').where('name', '=', name).executeTakeFirstOrThrow())
      .id
  const shakeId = async (name: string) =>
    (await db().selectFrom('shake').select('id').where('name', '=', name).executeTakeFirstOrThrow())
      .id

  /** Uploads an image with a title and description, optionally to a shake; returns its key. */
  async function upload(
    browser: Browser,
    title: string,
    options: { description?: string; shake?: number } = {},
  ): Promise<string> {
    await browser.get('/tools/new-post')
    const response = await browser.postMultipart('/upload', [
      { name: 'title', value: title },
      { name: 'description', value: options.description ?? '' },
      ...(options.shake ? [{ name: 'shake_id', value: String(options.shake) }] : []),
      {
        name: 'file',
        value: await images.noisyJpeg(40, 40),
        filename: 'x.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(response.statusCode, 302, response.body.slice(0, 300))
    return (location(response) as string).slice('/p/'.length)
  }

  async function commentOn(browser: Browser, key: string, body: string): Promise<number> {
    await browser.get(`/p/${key}`)
    assert.equal((await browser.post(`/p/${key}/comment`, { body })).statusCode, 303)
    return (
      await db()
        .selectFrom('comment')
        .select('id')
        .where('body', '=', body)
        .executeTakeFirstOrThrow()
    ).id
  }

  async function follow(browser: Browser, url: string) {
    await browser.get('/')
    assert.equal((await browser.post(url, {})).statusCode, 303, url)
  }

  async function follows(follower: string, owner: string): Promise<number> {
    const row = await db()
      .selectFrom('subscription as s')
      .innerJoin('shake as k', 'k.id', 's.shake_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('s.user_id', '=', await userId(follower))
      .where('k.user_id', '=', await userId(owner))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  it('refuses a blocked user on every interaction route with a 403 and stores nothing', async () => {
    await alice.get('/shake/create')
    await alice.post('/shake/create', { name: 'alicegroup', title: 'Alice group', description: '' })
    const aliceGroup = await shakeId('alicegroup')
    const aliceKey = await upload(alice, 'alice original')
    const carolKey = await upload(carol, 'carol original')
    const aliceComment = await commentOn(alice, carolKey, 'alice says hi on carol')
    const carolComment = await commentOn(carol, aliceKey, 'carol says hi on alice')
    await follow(bob, '/user/alice/subscribe')
    await follow(bob, `/shake/${aliceGroup}/subscribe`)
    await follow(alice, '/user/bob/subscribe')
    assert.equal(await follows('bob', 'alice'), 2)
    assert.equal(await follows('alice', 'bob'), 1)

    await alice.get('/user/bob')
    assert.match(alice.lastPage?.body ?? '', />Block</)
    const blocked = await alice.post('/user/bob/block', {})
    assert.equal(blocked.statusCode, 303)
    assert.equal(location(blocked), '/user/bob')
    assert.equal(await follows('bob', 'alice'), 0, 'the blocked no longer follow the blocker')
    assert.equal(await follows('alice', 'bob'), 0, 'nor the blocker the blocked')

    const routes: Array<[string, Record<string, string>]> = [
      ['/user/alice/subscribe', {}],
      [`/shake/${await shakeId('alice')}/subscribe`, {}],
      [`/shake/${aliceGroup}/subscribe`, {}],
      [`/p/${aliceKey}/like`, {}],
      [`/p/${aliceKey}/save`, {}],
      [`/p/${aliceKey}/comment`, { body: 'let me in' }],
      [`/p/${carolKey}/comment/${aliceComment}/like`, {}],
      [`/p/${aliceKey}/comment/${carolComment}/like`, {}],
      ['/shake/alicegroup/request', {}],
    ]
    await bob.get('/')
    for (const [url, form] of routes) {
      const page = await bob.post(url, form)
      assert.equal(page.statusCode, 403, `${url} as a form`)
      assert.match(page.body, /alice has blocked you|this person has blocked you/, url)
      const json = await postJson(bob, url, form)
      assert.equal(json.status, 403, `${url} as JSON`)
      assert.match(json.body.error, /this person has blocked you/)
    }
    // The blocker is held to the block too, with a message saying how to undo it.
    await alice.get('/')
    const back = await postJson(alice, `/p/${await upload(bob, 'bob post')}/like`)
    assert.equal(back.status, 403)
    assert.match(back.body.error, /you have blocked this person/)
    const invite = await postJson(alice, '/shake/alicegroup/invite', { name: 'bob' })
    assert.equal(invite.status, 403)
    assert.match(invite.body.error, /cannot invite them: you have blocked this person/)

    assert.equal(await follows('bob', 'alice'), 0)
    const aliceId = await userId('alice')
    const bobId = await userId('bob')
    const stored = await Promise.all([
      db().selectFrom('favorite').select('id').where('user_id', '=', bobId).execute(),
      db().selectFrom('comment').select('id').where('user_id', '=', bobId).execute(),
      db().selectFrom('comment_like').select('id').where('user_id', '=', bobId).execute(),
      db()
        .selectFrom('sharedfile')
        .select('id')
        .where('user_id', '=', bobId)
        .where('parent_id', 'is not', null)
        .execute(),
      db().selectFrom('membership_request').select('id').where('user_id', '=', bobId).execute(),
    ])
    assert.deepEqual(
      stored.map((rows) => rows.length),
      [0, 0, 0, 0, 0],
      'likes, comments, comment likes, saves, requests to join',
    )
    const post = await db()
      .selectFrom('sharedfile')
      .select(['like_count', 'save_count'])
      .where('user_id', '=', aliceId)
      .where('title', '=', 'alice original')
      .executeTakeFirstOrThrow()
    assert.deepEqual(post, { like_count: 0, save_count: 0 })
    await alice.get('/account/settings/privacy')
    await alice.post('/user/bob/unblock', { next: '/account/settings/privacy' })
  })

  it('hides what a blocked user posts, comments and causes from the blocker', async () => {
    // Before the block: alice follows bob and gets his post; bob likes and comments.
    await follow(alice, '/user/bob/subscribe')
    const bobKey = await upload(bob, 'zebra crossing', { description: 'stripes #zebras' })
    const aliceKey = await upload(alice, 'alice second')
    const carolKey = await upload(carol, 'carol second')
    assert.equal((await postJson(bob, `/p/${aliceKey}/like`)).status, 200)
    assert.equal((await postJson(carol, `/p/${bobKey}/like`)).status, 200)
    await commentOn(bob, carolKey, 'bob was here on carol')
    await settle(site.app)
    const seen = async (browser: Browser, url: string) => (await browser.get(url)).body
    assert.match(await seen(alice, '/'), new RegExp(`/p/${bobKey}"`), 'timeline before')
    assert.match(await seen(alice, '/notifications'), /bob/)

    await alice.get('/user/bob')
    assert.equal((await alice.post('/user/bob/block', {})).statusCode, 303)

    const bobPost = new RegExp(`/p/${bobKey}"`)
    for (const url of [
      '/',
      '/incoming',
      '/popular',
      '/tag/zebras',
      '/user/carol/likes',
      '/user/bob',
    ]) {
      const body = await seen(alice, url)
      assert.doesNotMatch(body, bobPost, `${url} hides bob's post from alice`)
      assert.match(await seen(carol, url === '/' ? '/incoming' : url), bobPost, `${url} for carol`)
    }
    assert.match(await seen(alice, '/user/bob'), /You have blocked bob/)
    // Opened by its address, bob's post is covered for alice, and only for her.
    const direct = await seen(alice, `/p/${bobKey}`)
    assert.match(direct, /<details class="nsfw-cover"><summary><span>You have blocked bob/)
    assert.doesNotMatch(direct, /class="description">stripes/, 'the description is hidden')
    assert.doesNotMatch(await seen(carol, `/p/${bobKey}`), /You have blocked bob/)
    assert.match(await seen(carol, `/p/${bobKey}`), /class="description">stripes/)
    const search = await seen(alice, '/search?q=zebra')
    assert.doesNotMatch(search, bobPost)
    assert.match(await seen(carol, '/search?q=zebra'), bobPost)
    assert.doesNotMatch(await seen(alice, '/search?q=bob'), /href="\/user\/bob"/)
    assert.doesNotMatch(await seen(alice, `/p/${carolKey}`), /bob was here/)
    assert.match(await seen(carol, `/p/${carolKey}`), /bob was here/)
    const notifications = await seen(alice, '/notifications')
    assert.doesNotMatch(notifications, /bob/, 'notifications caused by bob are hidden')
    const aliceUser = await site.app.accounts.findUser(await userId('alice'))
    assert.ok(aliceUser)
    const notBob = await db()
      .selectFrom('notification')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('receiver_id', '=', aliceUser.id)
      .where('sender_id', '!=', await userId('bob'))
      .executeTakeFirstOrThrow()
    assert.equal(
      await site.app.streams.unreadCount(aliceUser),
      Number(notBob.n),
      'the unread count too',
    )

    const settings = await seen(alice, '/account/settings/privacy')
    assert.match(settings, /href="\/user\/bob">bob</)
    const unblocked = await alice.post('/user/bob/unblock', { next: '/account/settings/privacy' })
    assert.equal(location(unblocked), '/account/settings/privacy')
    assert.doesNotMatch(await seen(alice, '/account/settings/privacy'), /href="\/user\/bob">bob</)
    assert.match(await seen(alice, '/incoming'), bobPost, 'visible again after unblocking')
    assert.equal((await postJson(bob, `/p/${aliceKey}/unlike`)).status, 200)
    assert.equal((await postJson(bob, `/p/${aliceKey}/like`)).status, 200, 'bob may like again')
  })

  it('mutes a person or a shake in the timeline and notifications, without telling them', async () => {
    await dave.get('/shake/create')
    await dave.post('/shake/create', { name: 'davegroup', title: 'Dave group', description: '' })
    const daveGroup = await shakeId('davegroup')
    await follow(carol, '/user/dave/subscribe')
    await follow(carol, `/shake/${daveGroup}/subscribe`)
    const personal = await upload(dave, 'dave personal')
    const grouped = await upload(dave, 'dave grouped', { shake: daveGroup })
    const carolKey = await upload(carol, 'carol third')
    await settle(site.app)
    const timeline = async () => (await carol.get('/')).body
    assert.match(await timeline(), new RegExp(`/p/${personal}"`))
    assert.match(await timeline(), new RegExp(`/p/${grouped}"`))

    // Muting the group shake hides its posts only.
    await carol.get(`/davegroup`)
    assert.match(carol.lastPage?.body ?? '', />Mute</)
    assert.equal((await carol.post(`/shake/${daveGroup}/mute`, {})).statusCode, 303)
    assert.doesNotMatch(await timeline(), new RegExp(`/p/${grouped}"`))
    assert.match(await timeline(), new RegExp(`/p/${personal}"`))

    // Muting dave hides all his posts and what he causes; he can still like, unaware.
    await carol.get('/user/dave')
    assert.equal((await carol.post('/user/dave/mute', {})).statusCode, 303)
    assert.equal((await postJson(dave, `/p/${carolKey}/like`)).status, 200)
    await settle(site.app)
    assert.doesNotMatch(await timeline(), new RegExp(`/p/${personal}"`))
    assert.doesNotMatch((await carol.get('/notifications')).body, /dave/)
    const davesView = (await dave.get('/user/carol')).body
    assert.doesNotMatch(davesView, /unmute|muted/i, 'dave is not told')
    assert.match(
      (await carol.get('/incoming')).body,
      new RegExp(`/p/${personal}"`),
      'only the timeline',
    )

    const settings = (await carol.get('/account/settings/privacy')).body
    assert.match(settings, /href="\/user\/dave">dave</)
    assert.match(settings, /href="\/davegroup">davegroup</)
    await carol.post('/user/dave/unmute', { next: '/account/settings/privacy' })
    await carol.post(`/shake/${daveGroup}/unmute`, { next: '/account/settings/privacy' })
    assert.match(await timeline(), new RegExp(`/p/${grouped}"`))
    assert.match(await timeline(), new RegExp(`/p/${personal}"`))
    assert.match((await carol.get('/notifications')).body, /dave/)
    assert.match((await carol.get('/account/settings/privacy')).body, /You have muted nothing/)
  })

  it('refuses to block or mute oneself and answers 404 for nobody', async () => {
    await alice.get('/')
    assert.equal((await postJson(alice, '/user/alice/block')).status, 400)
    assert.equal((await postJson(alice, '/user/alice/mute')).status, 400)
    assert.equal((await postJson(alice, '/user/nobody-here/block')).status, 404)
    assert.equal((await postJson(alice, '/shake/999999/mute')).status, 404)
    const anonymous = await site.app.inject({ method: 'POST', url: '/user/bob/block' })
    assert.ok([401, 403].includes(anonymous.statusCode))
  })
})
