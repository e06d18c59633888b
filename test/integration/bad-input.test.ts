// Every refusal is a readable message with the right status, and stores nothing.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { dbNow } from '../../src/db/dialect.js'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { Browser, location } from '../helpers/browser.js'
import { linkFromMail } from '../helpers/mail.js'
import { post } from '../helpers/social.js'

describe('bad input', () => {
  let site: TestSite
  let userCount: () => Promise<number>
  before(async () => {
    // Rate limits are tested on their own; here they must not get in the way.
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '1000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
    })
    userCount = async () => {
      const row = await site.app.db
        .selectFrom('user')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    }
    await signUp(site.app, 'Taken', 'taken@example.com')
  })
  after(() => site.close())

  async function createAccount(
    fields: Partial<Record<'name' | 'email' | 'password' | 'password_again', string>>,
  ) {
    const browser = new Browser(site.app)
    await browser.get('/create-account')
    return browser.post('/create-account', {
      name: 'newcomer',
      email: 'newcomer@example.com',
      password: PASSWORD,
      password_again: PASSWORD,
      ...fields,
    })
  }

  describe('create account', () => {
    let usersBefore: number
    beforeEach(async () => {
      usersBefore = await userCount()
    })
    const refused = async (
      fields: Parameters<typeof createAccount>[0],
      status: number,
      message: RegExp,
    ) => {
      const response = await createAccount(fields)
      assert.equal(response.statusCode, status, response.body.slice(0, 300))
      assert.match(response.headers['content-type'] as string, /text\/html/)
      assert.match(response.body, message)
      assert.equal(await userCount(), usersBefore, 'nothing stored')
    }

    it('refuses a name taken in another case', () =>
      refused({ name: 'tAKEN' }, 409, /That name is taken/))
    it('answers an email taken in another case as a new one, creating nothing', async () => {
      const response = await createAccount({ email: 'TAKEN@Example.COM' })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/create-account/check-your-mail')
      assert.equal(await userCount(), usersBefore, 'nothing stored')
    })
    it('refuses reserved names', async () => {
      for (const name of ['admin', 'Static', 'p', 'sign-in', 'USER', 'api']) {
        await refused({ name }, 400, /That name is reserved/)
      }
    })
    it('refuses malformed names', async () => {
      for (const name of ['', 'has space', 'dot.ted', 'émile', '<script>', '../etc', 'a/b']) {
        await refused({ name }, 400, /(letters, digits|choose a user name)/)
      }
    })
    it('refuses over-long fields', async () => {
      await refused({ name: 'n'.repeat(31) }, 400, /at most 30 characters/)
      await refused({ email: `${'e'.repeat(250)}@example.com` }, 400, /at most 255 characters/)
      await refused(
        { password: 'p'.repeat(1025), password_again: 'p'.repeat(1025) },
        400,
        /at most 1024/,
      )
    })
    it('refuses malformed email addresses', async () => {
      for (const email of [
        '',
        'no-at-sign',
        'a@b',
        'two@@example.com',
        'a b@example.com',
        '"x"@example.com',
      ]) {
        await refused({ email }, 400, /(look like an email|enter your email)/)
      }
    })
    it('refuses short, common and mismatched passwords', async () => {
      await refused({ password: 'short', password_again: 'short' }, 400, /at least 8 characters/)
      await refused({ password: 'Password123', password_again: 'Password123' }, 400, /most common/)
      await refused({ password_again: 'something else entirely' }, 400, /two passwords differ/)
    })
    it('refuses a 1 MB password before hashing it', async () => {
      const huge = 'x'.repeat(1_000_000)
      const started = process.hrtime.bigint()
      await refused({ password: huge, password_again: '' }, 400, /at most 1024 characters/)
      // Hashing a megabyte with argon2id would take far longer than answering this.
      assert.ok(process.hrtime.bigint() - started < 5_000_000_000n)
    })
    it('refuses a body over the form limit with a readable 413', async () => {
      const huge = 'x'.repeat(2 * 1024 * 1024)
      await refused({ password: huge, password_again: huge }, 413, /too large/)
    })
    it('refuses invalid UTF-8 with 400', async () => {
      const browser = new Browser(site.app)
      await browser.get('/create-account')
      for (const rawBody of [
        `_csrf=${browser.csrf}&name=%FF%FE&email=x%40example.com&password=abcdefghij&password_again=abcdefghij`,
        `_csrf=${browser.csrf}&name=ok&email=%C3%28%40example.com&password=abcdefghij&password_again=abcdefghij`,
      ]) {
        const response = await browser.post('/create-account', {}, { rawBody })
        assert.equal(response.statusCode, 400)
        assert.match(response.body, /not valid UTF-8/)
      }
      const rawBytes = Buffer.concat([
        Buffer.from(`_csrf=${browser.csrf}&name=`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('&email=y%40example.com'),
      ])
      const response = await site.app.inject({
        method: 'POST',
        url: '/create-account',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        payload: rawBytes,
      })
      assert.equal(response.statusCode, 400)
      assert.equal(await userCount(), usersBefore)
    })
  })

  describe('CSRF', () => {
    it('refuses a POST without a token or with a wrong one (403), and changes nothing', async () => {
      const usersBefore = await userCount()
      const browser = new Browser(site.app)
      await browser.get('/create-account')
      const fields = {
        name: 'csrfless',
        email: 'csrfless@example.com',
        password: PASSWORD,
        password_again: PASSWORD,
      }
      const missing = await browser.post('/create-account', fields, { csrf: false })
      assert.equal(missing.statusCode, 403)
      assert.match(missing.body, /This form has expired/)
      const wrong = await browser.post('/create-account', { ...fields, _csrf: 'not-the-token' })
      assert.equal(wrong.statusCode, 403)
      // A token from another visitor's session does not work either.
      const other = new Browser(site.app)
      await other.get('/create-account')
      const stolen = await browser.post('/create-account', {
        ...fields,
        _csrf: other.csrf as string,
      })
      assert.equal(stolen.statusCode, 403)
      // No session at all.
      const fresh = new Browser(site.app)
      assert.equal((await fresh.post('/create-account', fields, { csrf: false })).statusCode, 403)
      assert.equal(await userCount(), usersBefore)
    })

    it('protects sign-in, sign-out and settings too', async () => {
      const browser = await signUp(site.app, 'csrfuser')
      assert.equal((await browser.post('/sign-out', {}, { csrf: false })).statusCode, 403)
      assert.equal((await browser.get('/account/settings')).statusCode, 200, 'still signed in')
      const profile = await browser.post(
        '/account/settings/profile',
        { full_name: 'Hacked' },
        { csrf: false },
      )
      assert.equal(profile.statusCode, 403)
      const anon = new Browser(site.app)
      assert.equal(
        (await anon.post('/sign-in', { name: 'csrfuser', password: PASSWORD }, { csrf: false }))
          .statusCode,
        403,
      )
    })

    it('refuses requests the browser marks as cross-site, even with a token', async () => {
      const browser = await signUp(site.app, 'crosssite')
      await browser.get('/account/settings/profile')
      const response = await browser.post(
        '/account/settings/profile',
        { full_name: 'Cross' },
        { headers: { 'sec-fetch-site': 'cross-site' } },
      )
      assert.equal(response.statusCode, 403)
    })
  })

  describe('sign-in', () => {
    it('only ever redirects to a path on this site', async () => {
      const browser = await signUp(site.app, 'redirected')
      await browser.post('/sign-out', {})
      const cases: Array<[string, string]> = [
        ['//evil.example', '/'],
        ['/\\evil.example', '/'],
        ['https://evil.example', '/'],
        ['https:evil.example', '/'],
        ['javascript:alert(1)', '/'],
        ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
        ['\t//evil.example', '/'],
        ['/account/settings?tab=1', '/account/settings?tab=1'],
      ]
      for (const [next, expected] of cases) {
        await browser.get(`/sign-in?next=${encodeURIComponent(next)}`)
        const response = await browser.post('/sign-in', {
          name: 'redirected',
          password: PASSWORD,
          next,
        })
        assert.equal(response.statusCode, 303)
        assert.equal(location(response), expected, `next=${next}`)
        await browser.post('/sign-out', {})
      }
      // And the already-signed-in shortcut on GET obeys the same rule.
      await browser.get('/sign-in')
      await browser.post('/sign-in', { name: 'redirected', password: PASSWORD })
      const get = await browser.get(`/sign-in?next=${encodeURIComponent('//evil.example')}`)
      assert.equal(location(get), '/')
    })

    it('gives the same answer for a wrong password and an unknown user', async () => {
      const browser = new Browser(site.app)
      await browser.get('/sign-in')
      const wrong = await browser.post('/sign-in', {
        name: 'Taken',
        password: 'wrong password here',
      })
      const unknown = await browser.post('/sign-in', {
        name: 'nobody-by-this-name',
        password: 'wrong password here',
      })
      const unknownEmail = await browser.post('/sign-in', {
        name: 'nobody@example.com',
        password: 'wrong password',
      })
      for (const response of [wrong, unknown, unknownEmail]) {
        assert.equal(response.statusCode, 401)
        assert.match(
          response.body,
          /That user name or email and password do not match an account\./,
        )
      }
      const strip = (body: string) => body.replace(/value="[^"]*"/g, '')
      assert.equal(strip(wrong.body), strip(unknown.body))
    })

    it('refuses empty and absurd credentials without a server error', async () => {
      const browser = new Browser(site.app)
      await browser.get('/sign-in')
      for (const form of [
        { name: '', password: '' },
        { name: 'Taken', password: 'x'.repeat(100_000) },
        { name: 'n'.repeat(5000), password: PASSWORD },
      ]) {
        assert.equal((await browser.post('/sign-in', form)).statusCode, 401)
      }
    })
  })

  describe('reset tokens', () => {
    it('refuses expired, reused, superseded and made-up tokens', async () => {
      const { app } = site
      await signUp(app, 'forgetful')
      const browser = new Browser(app)
      await browser.get('/account/forgot-password')
      await browser.post('/account/forgot-password', { email: 'forgetful@example.com' })
      const first = await linkFromMail(
        app,
        'forgetful@example.com',
        /http:\/\/\S+\/account\/reset-password\/\S+/,
      )
      // Asking again retires the first link.
      await browser.post('/account/forgot-password', { email: 'forgetful@example.com' })
      const second = await linkFromMail(
        app,
        'forgetful@example.com',
        /http:\/\/\S+\/account\/reset-password\/\S+/,
      )
      assert.notEqual(first, second)
      assert.equal((await browser.get(first)).statusCode, 400)

      // Expire the live one.
      await app.db
        .updateTable('user_token')
        .set({ expires_at: dbNow(-60) })
        .where('purpose', '=', 'reset_password')
        .execute()
      const expired = await browser.get(second)
      assert.equal(expired.statusCode, 400)
      assert.match(expired.body, /invalid, has expired or was already used/)
      const expiredPost = await browser.post(second, {
        password: 'new passphrase here',
        password_again: 'new passphrase here',
      })
      assert.equal(expiredPost.statusCode, 400)

      for (const token of ['x', 'A'.repeat(43), '../../etc/passwd', 'A'.repeat(150)]) {
        const response = await browser.get(`/account/reset-password/${encodeURIComponent(token)}`)
        assert.equal(response.statusCode, 400, token)
      }
      assert.equal((await browser.get('/verify-email/not-a-token')).statusCode, 400)
    })

    it('answers forgot-password the same whether or not the address exists', async () => {
      const browser = new Browser(site.app)
      await browser.get('/account/forgot-password')
      const known = await browser.post('/account/forgot-password', { email: 'taken@example.com' })
      const unknown = await browser.post('/account/forgot-password', {
        email: 'unknown@example.com',
      })
      const malformed = await browser.post('/account/forgot-password', { email: 'not an address' })
      assert.equal(known.statusCode, 200)
      assert.equal(unknown.statusCode, 200)
      assert.equal(malformed.statusCode, 200)
      const strip = (body: string) => body.replace(/value="[^"]*"/g, '')
      assert.equal(strip(known.body), strip(unknown.body))
    })
  })

  describe('profile', () => {
    it('refuses bad profile fields with messages and keeps the old profile', async () => {
      const browser = await signUp(site.app, 'profiler')
      await browser.get('/account/settings/profile')
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ website: 'javascript:alert(1)' }, /starting with http/],
        [{ website: 'ftp://example.com' }, /starting with http/],
        [{ website: 'https://localhost' }, /starting with http/],
        [{ full_name: 'f'.repeat(101) }, /at most 100 characters/],
        [{ about: 'a'.repeat(256) }, /at most 255 characters/],
        [{ about: 'null\u0000byte' }, /not allowed/],
      ]
      for (const [fields, message] of cases) {
        const response = await browser.post('/account/settings/profile', {
          full_name: '',
          about: '',
          website: '',
          ...fields,
        })
        assert.equal(response.statusCode, 400, JSON.stringify(fields))
        assert.match(response.body, message)
      }
      const row = await site.app.db
        .selectFrom('user')
        .selectAll()
        .where('name', '=', 'profiler')
        .executeTakeFirstOrThrow()
      assert.equal(row.website, '')
      assert.equal(row.about, '')
    })

    it('escapes what users typed everywhere it is shown', async () => {
      const browser = await signUp(site.app, 'escaper')
      await browser.get('/account/settings/profile')
      await browser.post('/account/settings/profile', {
        full_name: '<img src=x onerror=alert(1)>',
        about: '"><script>alert(1)</script>',
        website: 'https://example.com/?q="><script>',
      })
      const page = await browser.get('/user/escaper')
      assert.doesNotMatch(page.body, /<script>alert|<img src=x/)
      assert.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;/)
      assert.match(page.body, /&quot;&gt;&lt;script&gt;/)
    })
  })

  it('answers unknown pages with a styled 404', async () => {
    const response = await new Browser(site.app).get('/no/such/page')
    assert.equal(response.statusCode, 404)
    assert.match(response.body, /<title>Not found/)
    assert.equal((await new Browser(site.app).get('/user/nobody-here')).statusCode, 404)
    const json = await site.app.inject({
      method: 'GET',
      url: '/nothing',
      headers: { accept: 'application/json' },
    })
    assert.equal(json.statusCode, 404)
    assert.deepEqual(json.json(), {
      error: 'There is nothing here. The link may be wrong, or what it pointed to was removed.',
    })
  })

  describe('form bodies of the wrong shape', () => {
    it('answers a field that is not text with a readable page, and a bodyless POST as an empty form', async () => {
      const browser = await signUp(site.app, 'shapeless')
      const key = await post(browser, 'Shapes')
      await browser.get(`/p/${key}`)
      const json = { 'content-type': 'application/json', 'x-csrf-token': browser.csrf ?? '' }
      const rawBody = JSON.stringify({ body: { text: 'hello' } })

      const page = await browser.post(`/p/${key}/comment`, {}, { rawBody, headers: json })
      assert.equal(page.statusCode, 400)
      assert.match(String(page.headers['content-type']), /^text\/html/)
      assert.match(page.body, /That form could not be read/)
      assert.match(page.body, /body was not text/)
      assert.doesNotMatch(page.body, /must be string|instancePath/)

      const script = await browser.post(
        `/p/${key}/comment`,
        {},
        {
          rawBody,
          headers: { ...json, accept: 'application/json' },
        },
      )
      assert.equal(script.statusCode, 400)
      assert.match(script.json().error, /body was not text/)

      // No body at all: the comment service's own message, as before routes had schemas.
      const bodyless = await site.app.inject({
        method: 'POST',
        url: `/p/${key}/comment`,
        headers: {
          accept: 'text/html',
          'x-csrf-token': browser.csrf ?? '',
          cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      })
      assert.equal(bodyless.statusCode, 303)
      assert.equal(bodyless.headers.location, `/p/${key}#comment-form`)

      const comments = await site.app.db
        .selectFrom('comment')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(Number(comments.n), 0)
    })
  })
})
