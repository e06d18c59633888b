// Sign-in, create-account and forgot-password are rate limited per client address: 429 with
// Retry-After and a readable page. With REDIS_URL the count is shared by every node.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

const randomIp = () => `198.51.100.${randomInt(1, 255)}`

describe('rate limits (one node, in memory)', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '3/60',
      RATE_LIMIT_CREATE_ACCOUNT: '2/60',
      RATE_LIMIT_FORGOT_PASSWORD: '2/60',
    })
  })
  after(() => site.close())

  it('limits sign-in attempts per address', async () => {
    await signUp(site.app, 'victim', 'victim@example.com', '192.0.2.1')
    const attacker = new Browser(site.app, '192.0.2.66')
    await attacker.get('/sign-in')
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await attacker.post('/sign-in', { name: 'victim', password: `guess ${i} wrong` }))
          .statusCode,
        401,
      )
    }
    const limited = await attacker.post('/sign-in', { name: 'victim', password: PASSWORD })
    assert.equal(limited.statusCode, 429)
    assert.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After is set')
    assert.match(limited.headers['content-type'] as string, /text\/html/)
    assert.match(limited.body, /Too many attempts\. Please wait/)
    // Someone else, from another address, is not affected.
    const other = new Browser(site.app, '192.0.2.77')
    await other.get('/sign-in')
    assert.equal(
      (await other.post('/sign-in', { name: 'victim', password: PASSWORD })).statusCode,
      303,
    )
  })

  it('limits account creation and password-reset requests', async () => {
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const browser = new Browser(site.app, '192.0.2.88')
      await browser.get('/create-account')
      const response = await browser.post('/create-account', {
        name: `spammer${i}`,
        email: `spammer${i}@example.com`,
        password: PASSWORD,
        password_again: PASSWORD,
      })
      statuses.push(response.statusCode)
    }
    assert.deepEqual(statuses, [303, 303, 429])
    const users = await site.app.db
      .selectFrom('user')
      .select('name')
      .where('name', 'like', 'spammer%')
      .execute()
    assert.equal(users.length, 2, 'the refused sign-up stored nothing')

    const asker = new Browser(site.app, '192.0.2.99')
    await asker.get('/account/forgot-password')
    const forgot = []
    for (let i = 0; i < 3; i++) {
      forgot.push(
        (await asker.post('/account/forgot-password', { email: 'victim@example.com' })).statusCode,
      )
    }
    assert.deepEqual(forgot, [200, 200, 429])
  })

  it('limits new confirmation links per member, whatever their address', async () => {
    const member = await signUp(site.app, 'unconfirmed')
    await member.get('/')
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await member.post('/account/settings/resend-verification', {})).statusCode)
    assert.deepEqual(statuses, [303, 303, 429])
  })

  it('does not limit the pages that only show the forms', async () => {
    const browser = new Browser(site.app, randomIp())
    for (let i = 0; i < 6; i++) assert.equal((await browser.get('/sign-in')).statusCode, 200)
  })
})

describe('rate limits shared through Redis', async () => {
  const skip = await skipUnless('Redis', redisUrl)
  let site: TestSite | undefined
  let nodes: Awaited<ReturnType<typeof buildSite>>[] = []
  before(async () => {
    if (skip) return
    site = await createTestSite({ REDIS_URL: redisUrl, RATE_LIMIT_SIGN_IN: '4/60' })
    nodes = [site.app, await buildSite(site.env)]
  })
  after(async () => {
    await nodes[1]?.close()
    await site?.close()
  })

  it('counts attempts on every node together', { skip }, async () => {
    const ip = randomIp()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const browser = new Browser(nodes[i % 2] as NonNullable<(typeof nodes)[0]>, ip)
      await browser.get('/sign-in')
      statuses.push(
        (await browser.post('/sign-in', { name: 'nobody', password: 'wrong password' })).statusCode,
      )
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429])
  })

  it('lets requests through when Redis is unreachable', { skip }, async () => {
    const unreachable = await createTestSite({
      REDIS_URL: 'redis://127.0.0.1:1',
      RATE_LIMIT_SIGN_IN: '1/60',
    })
    try {
      const browser = new Browser(unreachable.app, randomIp())
      await browser.get('/sign-in')
      for (let i = 0; i < 2; i++) {
        const response = await browser.post('/sign-in', {
          name: 'nobody',
          password: 'wrong password',
        })
        assert.equal(response.statusCode, 401)
      }
    } finally {
      await unreachable.close()
    }
  })
})
