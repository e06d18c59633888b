// The parts every page shares: health check, headers, static files, error pages, logs.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import { loggerOptions } from '../../src/logger.js'
import { PASSWORD } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'

describe('site', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite()
  })
  after(() => site.close())

  it('answers the health check with OK while the database answers', async () => {
    const response = await site.app.inject({ url: '/healthy/is-healthy' })
    assert.equal(response.statusCode, 200)
    assert.equal(response.body, 'OK')
    assert.equal(response.headers['set-cookie'], undefined, 'no session for health checks')
  })

  it('sends security headers with a strict CSP', async () => {
    const response = await site.app.inject({ url: '/' })
    const csp = String(response.headers['content-security-policy'])
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(csp.includes(directive), directive)
    }
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.equal(response.headers['referrer-policy'], 'strict-origin-when-cross-origin')
    assert.equal(
      response.headers['strict-transport-security'],
      undefined,
      'no HSTS on a plain-http site',
    )
    assert.match(String(response.headers['permissions-policy']), /camera=\(\)/)
    assert.doesNotMatch(
      response.body,
      /<script>|style="/,
      'nothing inline that the CSP would block',
    )
  })

  it('serves the stylesheet', async () => {
    const response = await site.app.inject({ url: '/static/css/site.css' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /text\/css/)
    assert.match(response.body, /prefers-color-scheme: dark/)
    assert.equal((await site.app.inject({ url: '/static/../package.json' })).statusCode, 404)
    assert.equal((await site.app.inject({ url: '/static/%2e%2e/package.json' })).statusCode, 404)
  })

  it("names the site's icon, so browsers do not ask for a missing /favicon.ico", async () => {
    const page = await site.app.inject({ url: '/' })
    const href = page.body.match(/<link rel="icon" href="([^"]+)"/)?.[1]
    assert.ok(href, 'the page links an icon')
    const icon = await site.app.inject({ url: href })
    assert.equal(icon.statusCode, 200)
    assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/)
    // Asked for anyway by some browsers and every feed reader.
    const favicon = await site.app.inject({ url: '/favicon.ico' })
    assert.equal(favicon.statusCode, 200)
    assert.match(String(favicon.headers['content-type']), /^image\/svg\+xml/)
    assert.match(String(favicon.headers['cache-control']), /max-age=86400/)
  })

  it('shows a styled 500 page with a reference and no details when something breaks', async () => {
    const broken = await createTestSite()
    try {
      await broken.app.db.destroy()
      const page = await new Browser(broken.app).get('/user/anyone')
      assert.equal(page.statusCode, 500)
      assert.match(page.body, /Something went wrong on our side/)
      assert.match(page.body, /Reference: [0-9a-f-]{36}/)
      assert.doesNotMatch(page.body, /at \w+ \(|Error:|driver|sqlite|mysql/i)
      const health = await broken.app.inject({ url: '/healthy/is-healthy' })
      assert.equal(health.statusCode, 503)
    } finally {
      await broken.close().catch(() => {})
    }
  })

  it('answers scripts that ask for JSON with JSON errors', async () => {
    const response = await site.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { accept: 'application/json' },
    })
    assert.equal(response.statusCode, 403)
    assert.match(response.json().error, /form was too old or came from another site/)
  })

  it('refuses an unsupported content type with a readable 415', async () => {
    const browser = new Browser(site.app)
    await browser.get('/sign-in')
    const response = await browser.post(
      '/sign-in',
      {},
      { headers: { 'content-type': 'text/xml' }, rawBody: '<x/>' },
    )
    assert.equal(response.statusCode, 415)
    assert.match(response.body, /does not accept that kind of content/)
  })

  it('keeps passwords, cookies and one-time tokens out of the logs', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const options = loggerOptions(site.config) as object
    const app = Fastify({ logger: { ...options, level: 'info', stream } })
    app.get('/verify-email/:token', async () => 'ok')
    app.post('/sign-in', async () => 'ok')
    await app.inject({
      url: '/verify-email/SECRETTOKEN123',
      headers: { cookie: 'session=SECRETCOOKIE' },
    })
    await app.inject({ method: 'POST', url: '/sign-in', payload: { password: PASSWORD } })
    await app.close()
    const log = lines.join('')
    assert.match(log, /verify-email\/\[redacted\]/)
    assert.doesNotMatch(log, /SECRETTOKEN123|SECRETCOOKIE|correct horse/)
  })

  it('handles a burst of simultaneous sign-ups for one name with one account and no 5xx', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const browser = new Browser(site.app, `203.0.113.${i + 1}`)
        await browser.get('/create-account')
        return browser.post('/create-account', {
          name: 'popular-name',
          email: `racer${i}@example.com`,
          password: PASSWORD,
          password_again: PASSWORD,
        })
      }),
    )
    const statuses = attempts.map((r) => r.statusCode).sort()
    assert.equal(statuses.filter((s) => s === 303).length, 1, statuses.join())
    assert.ok(
      statuses.every((s) => s === 303 || s === 409),
      statuses.join(),
    )
    const users = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'popular-name')
      .execute()
    assert.equal(users.length, 1)
    const shakes = await site.app.db
      .selectFrom('shake')
      .select('id')
      .where('name', '=', 'popular-name')
      .execute()
    assert.equal(shakes.length, 1)
  })
})
