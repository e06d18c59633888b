// Two nodes of one site with the session cache on, sharing Redis: a member's repeat request
// costs no session read, and every change to a session or an account made on one node has
// reached the other by the time it is answered, not when its copy expires (30 s here):
// sign-out, settings, a role given, a password changed, an account deleted. Both nodes share
// this process, and an injected request runs at once: the next request on the other node would
// overtake a message still on its way through Redis, were the change answered before the other
// node confirmed it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { changePassword, grantRole, PASSWORD, signIn, signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { DelayingProxy } from '../helpers/delaying-proxy.js'
import { eventually } from '../helpers/jobs.js'
import { QueryCounter } from '../helpers/query-counter.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

const skip = await skipUnless('Redis', redisUrl)

describe(`session cache across nodes (${onMysql ? 'MySQL' : 'SQLite'})`, { skip }, () => {
  let site: TestSite
  let other: FastifyInstance
  const counter = new QueryCounter()
  before(async () => {
    site = await createTestSite({
      REDIS_URL: redisUrl,
      SESSION_CACHE_SECONDS: '30',
      RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
      RATE_LIMIT_SIGN_IN: '1000/60',
    })
    other = await buildSite(site.env, { queryPlugins: [counter] })
    await signUp(site.app, 'chief')
    await grantRole(site.app, 'chief', 'admin')
  })
  after(async () => {
    await other?.close()
    await site?.close()
  })

  /** The same browser (its cookies) on another node. */
  function on(node: FastifyInstance, browser: Browser): Browser {
    browser.app = node
    return browser
  }
  const onOther = (browser: Browser) => on(other, browser)
  const onFirst = (browser: Browser) => on(site.app, browser)

  /** The browser's session read, and so kept, on the other node. */
  async function keptOnOther(browser: Browser): Promise<Browser> {
    assert.equal(await statusOf(onOther(browser), '/account/shakes'), 200)
    return browser
  }

  const statusOf = async (browser: Browser, url: string) => (await browser.get(url)).statusCode

  it('reads a session once per node while it is fresh', async () => {
    const ann = onOther(await signUp(site.app, 'ann'))
    const cold = await counter.measure(() => ann.get('/account/shakes'))
    const warm = await counter.measure(() => ann.get('/account/shakes'))
    assert.equal(warm.queries, cold.queries - 1, 'the repeat request skips the session read')
    assert.equal(warm.roundTrips, cold.roundTrips - 1)
  })

  it('ends a session on every node at sign-out', async () => {
    const bea = await keptOnOther(await signUp(site.app, 'bea'))
    const cookies = new Map(bea.cookies)
    await onFirst(bea).get('/account/settings')
    assert.equal((await bea.post('/sign-out', {})).statusCode, 303)
    // The old cookie, replayed on the node that had the session cached.
    for (const [name, value] of cookies) bea.cookies.set(name, value)
    const replay = await onOther(bea).get('/account/settings')
    assert.equal(replay.statusCode, 302)
    assert.match(String(replay.headers.location), /^\/sign-in/)
  })

  it('shows a setting changed on one node on the next page of the other, on every device', async () => {
    const desktop = await signUp(site.app, 'cai')
    // Another device: the change must reach sessions other than the one that made it.
    const phone = await keptOnOther(await signIn(site.app, 'cai'))
    const offered = async () => {
      const page = (await phone.get('/account/settings')).body
      return ['Let them wait for me', 'Play them by themselves'].filter((b) => page.includes(b))
    }
    assert.deepEqual(await offered(), ['Let them wait for me'])
    await desktop.get('/account/settings')
    const saved = await desktop.post('/account/settings', { form: 'video', autoplay: 'off' })
    assert.equal(saved.statusCode, 303)
    assert.deepEqual(await offered(), ['Play them by themselves'])
  })

  it('gives a role at once on every node', async () => {
    const dee = await keptOnOther(await signUp(site.app, 'dee'))
    assert.equal(await statusOf(dee, '/admin/reports'), 403)
    const admin = await signIn(site.app, 'chief')
    await admin.get('/admin/users/dee')
    const given = await admin.post('/admin/users/dee/role', { role: 'moderator', note: '' })
    assert.equal(given.statusCode, 303)
    assert.equal(await statusOf(dee, '/admin/reports'), 200)
  })

  it('signs out the other sessions on every node when the password changes', async () => {
    const eve = await signUp(site.app, 'eve')
    const laptop = await keptOnOther(await signIn(site.app, 'eve'))
    const changed = await changePassword(eve, 'another long passphrase for eve')
    assert.equal(changed.statusCode, 303)
    assert.equal(await statusOf(laptop, '/account/settings'), 302)
    // The session that made the change goes on, on either node.
    assert.equal(await statusOf(onOther(eve), '/account/settings'), 200)
  })

  it('signs a deleted account out on every node', async () => {
    const fay = await signUp(site.app, 'fay')
    const phone = await keptOnOther(await signIn(site.app, 'fay'))
    await fay.get('/account/settings/data')
    assert.equal((await fay.post('/account/delete', { password: PASSWORD })).statusCode, 200)
    assert.equal(await statusOf(phone, '/account/settings'), 302)
  })

  it('answers a change a stalled node does not confirm within a second, and counts it', async () => {
    // A third node whose replies from Redis can be held back, as a node's are when it stalls.
    const proxy = await DelayingProxy.start(redisUrl)
    const stalled = await buildSite({ ...site.env, REDIS_URL: proxy.url })
    try {
      await eventually(
        async () => stalled.sessionCache.enabled,
        5000,
        'the third node to hear the others',
      )
      const gus = await signUp(site.app, 'gus')
      const cookies = new Map(gus.cookies)
      const onStalled = (browser: Browser) => on(stalled, browser)
      assert.equal(await statusOf(onStalled(gus), '/account/settings'), 200)
      const unconfirmed = () => site.app.metrics.sessionDropsUnconfirmed.get()
      const before = (await unconfirmed()).values[0]?.value ?? 0

      proxy.delayMs = 2500
      const began = Date.now()
      assert.equal((await onFirst(gus).post('/sign-out', {})).statusCode, 303)
      const waited = Date.now() - began
      assert.ok(waited >= 900 && waited < 2400, `held a second, not longer (${waited} ms)`)
      assert.equal((await unconfirmed()).values[0]?.value, before + 1)

      // Once its connection catches up, the stalled node drops the session too.
      for (const [name, value] of cookies) gus.cookies.set(name, value)
      await eventually(
        async () => (await statusOf(onStalled(gus), '/account/settings')) === 302,
        10_000,
        'the stalled node to drop the session',
      )
    } finally {
      proxy.delayMs = 0
      await stalled.close()
      await proxy.close()
    }
  })
})
