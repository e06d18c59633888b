// Accounts under attack: stolen session cookies after sign-out, password change and reset (on
// a second app node too), reset links reused or kept past expiry, accounts told apart by the
// answers of sign-in and forgot-password, and floods of attempts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { changePassword, PASSWORD, signIn, signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import { Browser, location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { linkFromMail, outbox } from '../helpers/mail.js'

const NEW_PASSWORD = 'an entirely new passphrase'

/** A copy of a browser's cookies on another node: what a thief holds. */
function stealCookies(from: Browser, app: FastifyInstance): Browser {
  const thief = new Browser(app, '203.0.113.9')
  for (const [name, value] of from.cookies) thief.cookies.set(name, value)
  return thief
}

async function signedIn(browser: Browser): Promise<boolean> {
  const response = await browser.get('/account/settings')
  return response.statusCode === 200
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

describe(`accounts under attack (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('accounts', 'refused, same answer, nothing leaked')
  let site: TestSite
  let nodeB: FastifyInstance
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '10000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
      RATE_LIMIT_FORGOT_PASSWORD: '10000/60',
      // The per-account brake has its own suite (brute-force.test.ts); here it would answer
      // the repeated wrong passwords before the comparison this suite makes.
      SIGN_IN_FREE_FAILURES: '100',
      SIGN_IN_LOCK_AFTER: '1000',
    })
    // A second node on the same database, as behind the load balancer.
    nodeB = await buildSite(site.env)
  })
  after(async () => {
    await nodeB?.close()
    await site?.close()
  })

  it('refuses a copied session cookie after sign-out, on both nodes', async () => {
    await table.attack('stolen cookie after sign-out (2 nodes)', async () => {
      const victim = await signUp(site.app, 'leaver')
      const thieves = [stealCookies(victim, site.app), stealCookies(victim, nodeB)]
      for (const thief of thieves) assert.ok(await signedIn(thief), 'the copy works before')
      await victim.get('/')
      assert.equal((await victim.post('/sign-out', {})).statusCode, 303)
      for (const thief of thieves) assert.equal(await signedIn(thief), false)
      return thieves.length
    })
  })

  it('refuses other sessions after a password change, on both nodes', async () => {
    await table.attack('stolen cookie after password change (2 nodes)', async () => {
      const victim = await signUp(site.app, 'changer')
      const thieves = [stealCookies(victim, site.app), stealCookies(victim, nodeB)]
      const phone = await signIn(nodeB, 'changer')
      const changed = await changePassword(victim, NEW_PASSWORD)
      assert.equal(changed.statusCode, 303)
      assert.ok(await signedIn(victim), 'the browser that changed it stays signed in')
      // Its session id was renewed, so the copies taken before are worthless.
      for (const thief of [...thieves, phone]) assert.equal(await signedIn(thief), false)
      return thieves.length + 1
    })
  })

  it('makes reset links single-use, short-lived and retired by a newer one', async () => {
    await table.attack('reset link reused, expired, replaced, guessed', async () => {
      const victim = await signUp(site.app, 'forgetful')
      const stolen = stealCookies(victim, nodeB)
      const asker = new Browser(site.app)
      const ask = async () => {
        await asker.get('/account/forgot-password')
        await asker.post('/account/forgot-password', { email: 'forgetful@example.com' })
        return linkFromMail(
          site.app,
          'forgetful@example.com',
          /http:\/\/\S+\/account\/reset-password\/\S+/,
        )
      }
      const reset = async (link: string, password = NEW_PASSWORD) => {
        const browser = new Browser(site.app)
        // A dead link shows no form: take the CSRF token from another page first.
        await browser.get('/account/forgot-password')
        await browser.get(link)
        return browser.post(link, { password, password_again: password })
      }
      let tried = 0
      // A newer link retires the older one.
      const first = await ask()
      const second = await ask()
      assert.notEqual(first, second)
      const old = await reset(first)
      assert.equal(
        old.statusCode,
        400,
        `the older link is dead: ${old.statusCode} ${old.body.slice(0, 3000)}`,
      )
      tried++
      // Guessed and malformed tokens.
      for (const guess of [
        'A'.repeat(43),
        `${second.slice(-43, -1)}x`,
        '../../etc',
        'x'.repeat(400),
      ]) {
        const status = (await reset(`/account/reset-password/${encodeURIComponent(guess)}`))
          .statusCode
        assert.ok([400, 404, 414].includes(status), `${guess.slice(0, 50)}: ${status}`)
        tried++
      }
      // The real one works once, signs out every session, and never again.
      const used = await reset(second)
      assert.equal(used.statusCode, 303)
      assert.equal(location(used), '/sign-in')
      assert.equal(await signedIn(victim), false, 'the old session is revoked')
      assert.equal(await signedIn(stolen), false, 'on the other node too')
      assert.equal((await reset(second, 'yet another passphrase 2')).statusCode, 400, 'single use')
      tried += 2
      assert.ok(await signIn(site.app, 'forgetful', NEW_PASSWORD))

      // Past its expiry a link is dead, even unused.
      const third = await ask()
      await site.app.db
        .updateTable('user_token')
        .set({ expires_at: '2000-01-01 00:00:00' })
        .where('purpose', '=', 'reset_password')
        .execute()
      assert.equal((await reset(third)).statusCode, 400, 'expired')
      assert.equal((await new Browser(site.app).get(third)).statusCode, 400)
      tried += 2
      // Only a hash of the token is stored.
      const token = third.split('/').pop() as string
      const rows = await site.app.db.selectFrom('user_token').selectAll().execute()
      assert.ok(rows.every((row) => !JSON.stringify(row).includes(token)))
      return tried
    })
  })

  it('answers the same for known and unknown accounts (status, body, time)', async () => {
    await table.attack('account enumeration by sign-in and forgot-password', async () => {
      await signUp(site.app, 'known')
      const browser = new Browser(site.app)
      await browser.get('/sign-in')
      const normalise = (body: string) =>
        body
          .replace(/name="_csrf" value="[^"]+"/g, '')
          .replace(/value="[^"]*"/g, '')
          .replace(/[0-9a-f-]{36}/g, '')
      const attempt = async (path: string, form: Record<string, string>) => {
        const started = performance.now()
        const response = await browser.post(path, form)
        return {
          ms: performance.now() - started,
          status: response.statusCode,
          body: normalise(response.body),
        }
      }
      const cases: Array<{
        path: string
        known: Record<string, string>
        unknown: Record<string, string>
      }> = [
        {
          path: '/sign-in',
          known: { name: 'known', password: 'wrong password here' },
          unknown: { name: 'nobody-at-all', password: 'wrong password here' },
        },
        {
          path: '/sign-in',
          known: { name: 'known@example.com', password: 'wrong password here' },
          unknown: { name: 'nobody@example.com', password: 'wrong password here' },
        },
        {
          path: '/account/forgot-password',
          known: { email: 'known@example.com' },
          unknown: { email: 'nobody@example.com' },
        },
      ]
      const rounds = 7
      for (const { path, known, unknown } of cases) {
        const times = { known: [] as number[], unknown: [] as number[] }
        let first: { known?: string; unknown?: string } = {}
        for (let i = 0; i < rounds; i++) {
          // Interleaved, so a burst of load elsewhere hits both alike.
          for (const which of ['known', 'unknown'] as const) {
            await browser.get(path)
            const answer = await attempt(path, which === 'known' ? known : unknown)
            times[which].push(answer.ms)
            first[which] ??= `${answer.status} ${answer.body}`
            assert.equal(`${answer.status} ${answer.body}`, first[which])
          }
        }
        assert.equal(first.known, first.unknown, `${path}: the same status and page`)
        const [k, u] = [median(times.known), median(times.unknown)]
        // Roughly the same: a password hash is far slower than any lookup, so an unknown
        // account answering much faster would show. Room is left for a loaded machine.
        assert.ok(
          Math.abs(k - u) < Math.max(60, 0.5 * Math.max(k, u)),
          `${path}: known ${k.toFixed(0)} ms, unknown ${u.toFixed(0)} ms`,
        )
        first = {}
      }
      return cases.length * rounds * 2
    })
  })
  it('answers sign-up with a taken address as with a new one, and mails the owner instead', async () => {
    await table.attack('account enumeration by sign-up', async () => {
      await signUp(site.app, 'owner', 'owner@example.com')
      const users = async () =>
        Number(
          (
            await site.app.db
              .selectFrom('user')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      const attempt = async (name: string, email: string) => {
        const browser = new Browser(site.app)
        await browser.get('/create-account')
        const before = new Map(browser.cookies)
        const started = performance.now()
        const answer = await browser.post('/create-account', {
          name,
          email,
          password: PASSWORD,
          password_again: PASSWORD,
        })
        const ms = performance.now() - started
        const page = await browser.get(String(answer.headers.location))
        const main = /<main[\s\S]*<\/main>/.exec(page.body)?.[0] ?? page.body
        return {
          ms,
          status: answer.statusCode,
          location: answer.headers.location,
          newSession: browser.cookies.get('session') !== before.get('session'),
          main: main.replace(/name="_csrf" value="[^"]+"/g, '').replaceAll(email, 'EMAIL'),
        }
      }
      const before = await users()
      const rounds = 5
      const times = { taken: [] as number[], fresh: [] as number[] }
      for (let i = 0; i < rounds; i++) {
        // Interleaved, and compared by medians, so a burst of load elsewhere hits both alike.
        const taken = await attempt(`stranger${i}`, 'OWNER@example.com')
        const fresh = await attempt(`newperson${i}`, `newperson${i}@example.com`)
        assert.doesNotMatch(taken.main, /already|taken|exists/i)
        assert.deepEqual(
          { ...taken, ms: 0 },
          { ...fresh, ms: 0 },
          'the same status, Location, new session and page',
        )
        times.taken.push(taken.ms)
        times.fresh.push(fresh.ms)
      }
      assert.equal(await users(), before + rounds, 'only the new addresses made accounts')
      const [t, f] = [median(times.taken), median(times.fresh)]
      assert.ok(
        Math.abs(t - f) < Math.max(80, 0.6 * Math.max(t, f)),
        `taken ${t.toFixed(0)} ms, new ${f.toFixed(0)} ms`,
      )
      const mails = (await outbox(site.app)).filter((m) => m.to === 'owner@example.com')
      assert.equal(mails.filter((m) => /tried to create an account/.test(m.subject)).length, rounds)
      assert.match(mails.at(-1)?.text ?? '', /forgot-password/)
      return rounds * 2
    })
  })
})

describe(`rate limits (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('rate limits', '429 past the limit, nothing stored')
  let site: TestSite
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '3/60',
      RATE_LIMIT_CREATE_ACCOUNT: '2/60',
      RATE_LIMIT_FORGOT_PASSWORD: '2/60',
      RATE_LIMIT_UPLOAD: '2/60',
    })
  })
  after(async () => {
    await site?.close()
  })

  /** Repeats a request until refused; returns the statuses. */
  async function flood(times: number, send: (i: number) => Promise<number>): Promise<number[]> {
    const statuses: number[] = []
    for (let i = 0; i < times; i++) statuses.push(await send(i))
    return statuses
  }

  it('limits sign-in, sign-up, forgot-password and uploads, storing nothing over the limit', async () => {
    await table.attack('floods: sign-in, sign-up, reset, upload', async () => {
      const poster = await signUp(site.app, 'poster', 'poster@example.com', '192.0.2.10')
      const guesser = new Browser(site.app, '192.0.2.66')
      await guesser.get('/sign-in')
      const signIns = await flood(4, (i) =>
        guesser
          .post('/sign-in', { name: 'poster', password: `guess ${i}` })
          .then((r) => r.statusCode),
      )
      assert.deepEqual(signIns, [401, 401, 401, 429])
      const limited = await guesser.post('/sign-in', { name: 'poster', password: PASSWORD })
      assert.equal(limited.statusCode, 429, 'even the right password waits')
      assert.ok(Number(limited.headers['retry-after']) > 0)

      const signUps = await flood(3, async (i) => {
        const browser = new Browser(site.app, '192.0.2.88')
        await browser.get('/create-account')
        const response = await browser.post('/create-account', {
          name: `flood${i}`,
          email: `flood${i}@example.com`,
          password: PASSWORD,
          password_again: PASSWORD,
        })
        return response.statusCode
      })
      assert.deepEqual(signUps, [303, 303, 429])
      const flooders = await site.app.db
        .selectFrom('user')
        .select('name')
        .where('name', 'like', 'flood%')
        .execute()
      assert.equal(flooders.length, 2)

      const asker = new Browser(site.app, '192.0.2.99')
      await asker.get('/account/forgot-password')
      const resets = await flood(3, () =>
        asker
          .post('/account/forgot-password', { email: 'poster@example.com' })
          .then((r) => r.statusCode),
      )
      assert.deepEqual(resets, [200, 200, 429])

      const uploads = await flood(3, async (i) => {
        await poster.get('/tools/new-post')
        const response = await poster.postMultipart('/upload', [
          { name: 'title', value: `upload ${i}` },
          {
            name: 'file',
            value: await images.noisyJpeg(24, 24),
            filename: 'u.jpg',
            contentType: 'image/jpeg',
          },
        ])
        return response.statusCode
      })
      assert.deepEqual(uploads, [302, 302, 429])
      const posts = await site.app.db.selectFrom('sharedfile').select('id').execute()
      assert.equal(posts.length, 2, 'the refused upload stored nothing')
      return signIns.length + 1 + signUps.length + resets.length + uploads.length
    })
  })
})
