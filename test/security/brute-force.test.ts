// Guessing one account's password from many addresses (OWASP ASVS V2.2.1): the per-account
// brake answers 429 with Retry-After long before a guess list is through, the right password
// does not get a stranger in during it, an unknown name is braked exactly like a real one, the
// owner still gets in from a browser they used before and with a reset link, the lock mails
// the owner once, and the counts are shared by every node through Redis.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite, withTwoNodes } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import { Browser } from '../helpers/browser.js'
import { linkFromMail, outbox } from '../helpers/mail.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

const NEW_PASSWORD = 'a brand new passphrase for the owner'
const attackers = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']

async function tryPassword(site: TestSite, ip: string, name: string, password: string) {
  const browser = new Browser(site.app, ip)
  await browser.get('/sign-in')
  const response = await browser.post('/sign-in', { name, password })
  return { browser, response }
}

function lockMails(mails: Awaited<ReturnType<typeof outbox>>, to: string) {
  return mails.filter((m) => m.to === to && /wrong passwords/.test(m.subject))
}

describe(`brute force on one account (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('brute force', 'braked: 429 with Retry-After, owner still in')
  let site: TestSite
  let owner: Browser
  before(async () => {
    // The per-address limit is lifted: the attack comes from many addresses anyway.
    site = await createTestSite({ RATE_LIMIT_SIGN_IN: '100000/60' })
    owner = await signUp(site.app, 'victim', 'victim@example.com')
    // Signing in once leaves this browser known for the account.
    await owner.post('/sign-out', {})
    await owner.get('/sign-in')
    assert.equal(
      (await owner.post('/sign-in', { name: 'victim', password: PASSWORD })).statusCode,
      303,
    )
    assert.ok(owner.cookies.has('known_device'))
    await owner.post('/sign-out', {})
  })
  after(async () => {
    await site?.close()
  })

  it('brakes 125 wrong passwords from five addresses, then refuses the right one', async () => {
    await table.attack('125 wrong passwords from 5 addresses, then the right one', async () => {
      const statuses: number[] = []
      await Promise.all(
        attackers.map(async (ip, n) => {
          for (let i = 0; i < 25; i++) {
            const { response } = await tryPassword(site, ip, 'victim', `guess ${n}-${i}`)
            statuses.push(response.statusCode)
            if (response.statusCode === 429)
              assert.match(String(response.headers['retry-after']), /^[1-9][0-9]*$/)
          }
        }),
      )
      const checked = statuses.filter((s) => s === 401).length
      assert.ok(checked <= 6, `only a handful of passwords were checked: ${checked}`)
      assert.equal(statuses.filter((s) => s === 429).length, 125 - checked)
      const { response } = await tryPassword(site, '198.51.100.9', 'victim', PASSWORD)
      assert.equal(response.statusCode, 429, 'the right password from a stranger waits too')
      assert.match(response.body, /Please wait \d+ (seconds?|minutes?)/)
      assert.match(response.body, /choose a new one/)
      // The flood locked the account: its owner hears of it, once.
      assert.equal(lockMails(await outbox(site.app), 'victim@example.com').length, 1)
      return 126
    })
  })

  it('lets the owner in from a browser that signed in before, during the flood', async () => {
    await table.attack(
      'the owner during the flood (known browser)',
      async () => {
        await owner.get('/sign-in')
        const response = await owner.post('/sign-in', { name: 'victim', password: PASSWORD })
        assert.equal(response.statusCode, 303, response.body.slice(0, 300))
        await owner.post('/sign-out', {})
        // The known browser's token is for this account only: it does not lift another's brake.
        const thief = new Browser(site.app, '198.51.100.7')
        thief.cookies.set('known_device', owner.cookies.get('known_device') as string)
        await thief.get('/sign-in')
        const other = await thief.post('/sign-in', {
          name: 'victim',
          password: 'yet another guess',
        })
        assert.equal(other.statusCode, 401, 'the known browser is braked on its own count')
        return 2
      },
      'accepted',
    )
  })

  it('brakes an unknown name exactly like a real one', async () => {
    await table.attack('unknown name braked alike (no enumeration)', async () => {
      await signUp(site.app, 'realone', 'realone@example.com')
      const sequence = async (name: string) => {
        const seen: number[] = []
        for (let i = 0; i < 8; i++)
          seen.push(
            (await tryPassword(site, attackers[0] as string, name, `wrong ${i}`)).response
              .statusCode,
          )
        return seen
      }
      const real = await sequence('realone')
      const unknown = await sequence('nosuchperson')
      assert.deepEqual(unknown, real)
      assert.deepEqual(real.slice(0, 5), [401, 401, 401, 401, 401], 'five free failures')
      assert.equal(real[6], 429)
      return 16
    })
  })

  it('ends the brake when the owner resets the password', async () => {
    await table.attack(
      'reset link during the brake',
      async () => {
        const asker = new Browser(site.app)
        await asker.get('/account/forgot-password')
        await asker.post('/account/forgot-password', { email: 'victim@example.com' })
        const link = await linkFromMail(
          site.app,
          'victim@example.com',
          /http:\/\/\S+\/account\/reset-password\/\S+/,
        )
        const resetter = new Browser(site.app, '203.0.113.20')
        await resetter.get(link)
        const reset = await resetter.post(link, {
          password: NEW_PASSWORD,
          password_again: NEW_PASSWORD,
        })
        assert.ok(reset.statusCode < 400, reset.body.slice(0, 300))
        const { response } = await tryPassword(site, '203.0.113.21', 'victim', NEW_PASSWORD)
        assert.equal(response.statusCode, 303, 'a new browser signs in at once after the reset')
        return 1
      },
      'accepted',
    )
  })
})

describe(`the lock and its mail (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('brute force', 'braked: 429 with Retry-After, owner still in')
  let site: TestSite
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '100000/60',
      SIGN_IN_FREE_FAILURES: '2',
      SIGN_IN_LOCK_AFTER: '4',
      SIGN_IN_LOCK_SECONDS: '600',
    })
    await signUp(site.app, 'locked', 'locked@example.com')
  })
  after(async () => {
    await site?.close()
  })

  it('locks after the last allowed failure and mails the owner once', async () => {
    await table.attack('lock after repeated failures, one mail', async () => {
      const seen: number[] = []
      for (let i = 0; i < 6; i++) {
        const { response } = await tryPassword(
          site,
          attackers[i % 5] as string,
          'locked',
          `no ${i}`,
        )
        seen.push(response.statusCode)
        // Wait out the pauses (2 s after the third failure) to reach the lock.
        const wait = Number(response.headers['retry-after'] ?? 0)
        if (response.statusCode === 429 && wait <= 4)
          await new Promise((r) => setTimeout(r, wait * 1000))
      }
      assert.deepEqual(seen.slice(0, 3), [401, 401, 401])
      const locked = await tryPassword(site, '203.0.113.30', 'locked', PASSWORD)
      assert.equal(locked.response.statusCode, 429)
      assert.ok(Number(locked.response.headers['retry-after']) > 60, 'locked for minutes')
      const mails = lockMails(await outbox(site.app), 'locked@example.com')
      assert.equal(mails.length, 1, 'one mail per lock')
      assert.match(mails[0]?.text ?? '', /forgot-password/)
      return seen.length + 1
    })
  })
})

describe('the brake shared through Redis', async () => {
  const table = new AttackTable('brute force', 'braked: 429 with Retry-After, owner still in')
  const skip = await skipUnless('Redis', redisUrl)

  it('counts failures on every node together', { skip }, async () => {
    await table.attack('failures spread over two nodes (Redis)', async () => {
      const env = {
        REDIS_URL: redisUrl,
        RATE_LIMIT_SIGN_IN: '100000/60',
        SIGN_IN_FREE_FAILURES: '3',
      }
      return withTwoNodes(env, async (site, other) => {
        await signUp(site.app, 'spread')
        const statuses: number[] = []
        for (let i = 0; i < 6; i++) {
          const browser = new Browser(i % 2 ? other : site.app, attackers[i % 5])
          await browser.get('/sign-in')
          statuses.push(
            (await browser.post('/sign-in', { name: 'spread', password: `x${i}` })).statusCode,
          )
        }
        assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429])
        return statuses.length
      })
    })
  })
})
