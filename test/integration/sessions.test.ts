// Sessions live in the database: any node can read them, and they can be revoked.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { changePassword, PASSWORD, signIn, signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { QueryLog } from '../helpers/query-log.js'

describe('sessions', () => {
  let site: TestSite
  let nodeB: FastifyInstance
  before(async () => {
    site = await createTestSite()
    // A second app node on the same database, as behind a load balancer.
    nodeB = await buildSite(site.env)
  })
  after(async () => {
    await nodeB.close()
    await site.close()
  })

  it('works across nodes with no sticky sessions', async () => {
    const browser = await signUp(site.app, 'roamer')
    browser.app = nodeB
    const settings = await browser.get('/account/settings')
    assert.equal(settings.statusCode, 200)
    assert.match(settings.body, /roamer@example\.com/)
    // A form rendered by one node is accepted by the other.
    browser.app = site.app
    await browser.get('/account/settings/profile')
    browser.app = nodeB
    const saved = await browser.post('/account/settings/profile', {
      full_name: 'Roamer',
      about: '',
      website: '',
    })
    assert.equal(saved.statusCode, 303)
  })

  it('stores only a hash of the session id, with an HttpOnly SameSite=Lax cookie', async () => {
    const browser = new Browser(site.app)
    const page = await browser.get('/sign-in')
    const cookie = String(page.headers['set-cookie'])
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Lax/)
    assert.doesNotMatch(cookie, /Secure/, 'plain http cannot carry a Secure cookie')
    const raw = browser.cookies.get('session') as string
    const sessionId = decodeURIComponent(raw).split('.')[0] as string
    const rows = await site.app.db.selectFrom('session').select('id').execute()
    assert.ok(rows.length > 0)
    assert.ok(rows.every((r) => r.id !== sessionId && /^[0-9a-f]{64}$/.test(r.id)))
  })

  it('marks the cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
    const proxied = await createTestSite({
      TRUST_PROXY: '127.0.0.1',
      BASE_URL: 'http://mlkshk.test',
    })
    try {
      const page = await proxied.app.inject({
        url: '/sign-in',
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.match(String(page.headers['set-cookie']), /Secure/)
    } finally {
      await proxied.close()
    }
    const https = await createTestSite({
      BASE_URL: 'https://mlkshk.test',
      TRUST_PROXY: '127.0.0.1',
    })
    try {
      const page = await https.app.inject({
        url: '/sign-in',
        headers: { 'x-forwarded-proto': 'https' },
      })
      assert.match(String(page.headers['set-cookie']), /^__Host-session=.*Secure/)
      assert.match(String(page.headers['strict-transport-security']), /max-age=63072000/)
    } finally {
      await https.close()
    }
  })

  it('gives a new session id on sign-in', async () => {
    await signUp(site.app, 'fixated')
    const browser = new Browser(site.app)
    await browser.get('/sign-in')
    const before = browser.cookies.get('session')
    await browser.post('/sign-in', { name: 'fixated', password: PASSWORD })
    assert.notEqual(browser.cookies.get('session'), before)
    // The anonymous id that an attacker might have planted is worthless now.
    const planted = new Browser(site.app)
    planted.cookies.set('session', before as string)
    assert.equal((await planted.get('/account/settings')).statusCode, 302)
  })

  it('revokes the session on sign-out, on every node', async () => {
    const browser = await signUp(site.app, 'leaver')
    const stolen = new Browser(nodeB)
    for (const [k, v] of browser.cookies) stolen.cookies.set(k, v)
    assert.equal((await stolen.get('/account/settings')).statusCode, 200)
    await browser.get('/')
    await browser.post('/sign-out', {})
    assert.equal(
      (await stolen.get('/account/settings')).statusCode,
      302,
      'a copied cookie stops working',
    )
  })

  it('signs out every other session when the password changes', async () => {
    const laptop = await signUp(site.app, 'changer')
    const phone = await signIn(nodeB, 'changer')
    assert.equal((await phone.get('/account/settings')).statusCode, 200)
    const changed = await changePassword(laptop, 'an entirely new passphrase')
    assert.equal(changed.statusCode, 303)
    assert.equal(
      (await laptop.get('/account/settings')).statusCode,
      200,
      'this device stays signed in',
    )
    assert.equal(
      (await phone.get('/account/settings')).statusCode,
      302,
      'the other device is signed out',
    )
    const mails = await import('../helpers/mail.js').then((m) => m.outbox(site.app))
    assert.ok(
      mails.some(
        (m) => m.to === 'changer@example.com' && m.subject === 'Your password was changed',
      ),
    )
  })

  it('refuses a wrong current password when changing it', async () => {
    const browser = await signUp(site.app, 'careful')
    const response = await changePassword(browser, 'an entirely new passphrase', 'wrong one')
    assert.equal(response.statusCode, 403)
    assert.match(response.body, /current password is not right/)
    await browser.post('/sign-out', {})
    assert.ok(await signIn(site.app, 'careful'))
  })

  it('does not write a session for anonymous visitors who only read', async () => {
    const before = await site.app.db.selectFrom('session').select('id').execute()
    const response = await site.app.inject({ url: '/user/roamer' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers['set-cookie'], undefined)
    const after = await site.app.db.selectFrom('session').select('id').execute()
    assert.equal(after.length, before.length)
  })
})

describe('session reads under a burst', () => {
  const log = new QueryLog()
  let site: TestSite
  before(async () => {
    site = await createTestSite({}, { server: { queryPlugins: [log] } })
  })
  after(() => site?.close())

  it('reads the sessions of requests that arrive together in one statement, each its own user', async () => {
    const ann = await signUp(site.app, 'ann')
    const ben = await signUp(site.app, 'ben')
    const stranger = new Browser(site.app)
    await stranger.get('/sign-in')
    const stale = new Browser(site.app)
    stale.cookies.set('session', 'not-a-session.x')
    const browsers = [...Array.from({ length: 10 }, () => ann), ben, ben, stranger, stale]
    const pages = await log.record('burst', () =>
      Promise.all(browsers.map((browser) => browser.get('/account/settings'))),
    )
    const whose = pages.map((page) =>
      page.statusCode === 200
        ? /<span class="account-name">([^<]+)</.exec(page.body)?.[1]
        : page.statusCode,
    )
    assert.deepEqual(whose, [...Array.from({ length: 10 }, () => 'ann'), 'ben', 'ben', 302, 302])
    const sessionReads = log.queries.filter(
      (q) => q.label === 'burst' && /^select .* from `session`/.test(q.sql),
    )
    // The first request reads alone; the thirteen that arrived meanwhile, together.
    assert.ok(sessionReads.length <= 3, `${sessionReads.length} session reads for 14 requests`)
  })
})
