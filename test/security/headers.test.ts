// Security headers on every kind of answer: pages (signed in or not, errors too), JSON, raw
// image files, and the session cookie's flags, over http and over https.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type AddressInfo, connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import type { Browser } from '../helpers/browser.js'
import { post } from '../helpers/social.js'

function directives(response: LightMyRequestResponse): Map<string, string> {
  const csp = String(response.headers['content-security-policy'] ?? '')
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...values] = part.split(/\s+/)
        return [name, values.join(' ')] as const
      }),
  )
}

describe(`security headers (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('headers', 'present and strict')
  let site: TestSite
  let https: TestSite
  let alice: Browser
  let key: string
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' })
    https = await createTestSite({ BASE_URL: 'https://mlkshk.test', TRUST_PROXY: '127.0.0.1' })
    alice = await signUp(site.app, 'alice')
    key = await post(alice, 'headers')
  })
  after(async () => {
    await https?.close()
    await site?.close()
  })

  it('sends a strict CSP, nosniff, no framing and a referrer policy on every page', async () => {
    await table.attack('pages: CSP, nosniff, framing, referrer, no cache', async () => {
      const anonymous = ['/', '/sign-in', `/p/${key}`, '/user/alice', '/no-such-page']
      const signedIn = ['/', '/account/settings', `/p/${key}`, '/notifications']
      const answers: Array<[string, LightMyRequestResponse, boolean]> = []
      for (const path of anonymous)
        answers.push([
          path,
          await site.app.inject({ url: path, headers: { accept: 'text/html' } }),
          false,
        ])
      for (const path of signedIn)
        answers.push([`${path} (signed in)`, await alice.get(path), true])
      answers.push([
        'JSON error',
        await alice.post(`/p/${key}/like`, {}, { headers: { accept: 'application/json' } }),
        true,
      ])
      for (const [what, response, personal] of answers) {
        const csp = directives(response)
        assert.equal(csp.get('default-src'), "'self'", what)
        assert.equal(csp.get('script-src'), "'self'", `${what}: no inline or remote scripts`)
        assert.equal(csp.get('object-src'), "'none'", what)
        assert.equal(csp.get('base-uri'), "'none'", what)
        assert.equal(csp.get('frame-ancestors'), "'none'", what)
        // Only the players of video-link posts may be framed, and nothing else.
        assert.equal(
          csp.get('frame-src'),
          'https://www.youtube-nocookie.com https://player.vimeo.com',
          what,
        )
        assert.equal(response.headers['x-frame-options'], 'DENY', what)
        assert.equal(response.headers['x-content-type-options'], 'nosniff', what)
        assert.equal(response.headers['referrer-policy'], 'strict-origin-when-cross-origin', what)
        assert.equal(response.headers['x-powered-by'], undefined, what)
        assert.equal(response.headers.server, undefined, what)
        assert.equal(response.headers['strict-transport-security'], undefined, `${what}: http`)
        // A page made for one person (or carrying their form token) must not be kept by a
        // shared cache or served to the next person.
        const cookie = response.headers['set-cookie'] !== undefined
        if (personal || cookie)
          assert.match(String(response.headers['cache-control']), /no-store/, `${what}: cache`)
      }
      return answers.length
    })
  })

  it('refuses a request with two Host headers with 400, on the wire', async () => {
    await table.attack('duplicate Host header', async () => {
      const server = await buildSite(site.env)
      await server.listen({ host: '127.0.0.1', port: 0 })
      const { port } = server.server.address() as AddressInfo
      /** Sends raw HTTP/1.1 and returns the status line and body of the answer. */
      const send = async (head: string) => {
        const socket = connect(port, '127.0.0.1')
        await once(socket, 'connect')
        // Written, not ended: a half-closed socket may be dropped before a slow answer.
        socket.write(`GET /sign-in HTTP/1.1\r\n${head}Connection: close\r\n\r\n`)
        let answer = ''
        for await (const chunk of socket) answer += String(chunk)
        return answer
      }
      try {
        const duplicates = [
          'Host: mlkshk.test\r\nHost: evil.example\r\n',
          'Host: mlkshk.test\r\nhost: mlkshk.test\r\n',
          'HOST: evil.example\r\nHost: mlkshk.test\r\n',
          'Host: mlkshk.test\r\nX-Other: 1\r\nHoSt: evil.example\r\n',
        ]
        for (const head of duplicates) {
          const answer = await send(head)
          assert.match(answer, /^HTTP\/1\.1 400 /, head)
          assert.match(answer, /only one Host header/, head)
          assert.doesNotMatch(answer, /evil\.example/, head)
        }
        // The control: one Host header is served.
        assert.match(await send('Host: mlkshk.test\r\n'), /^HTTP\/1\.1 200 /)
        return duplicates.length
      } finally {
        await server.close()
      }
    })
  })

  it('serves raw files with their own type, nosniff and a sandboxing CSP', async () => {
    await table.attack('raw files /r/KEY: type, nosniff, sandbox', async () => {
      const paths = [`/r/${key}`, `/r/${key}/thumb`, `/r/${key}/small`]
      for (const path of paths) {
        for (const response of [await site.app.inject({ url: path }), await alice.get(path)]) {
          assert.equal(response.statusCode, 200, path)
          assert.equal(response.headers['content-type'], 'image/jpeg', path)
          assert.equal(response.headers['x-content-type-options'], 'nosniff', path)
          const csp = directives(response)
          assert.equal(csp.get('default-src'), "'none'", path)
          assert.ok(csp.has('sandbox'), `${path}: sandboxed`)
          assert.equal(response.headers['set-cookie'], undefined, `${path}: no cookie`)
        }
      }
      return paths.length * 2
    })
  })

  it('sets HSTS and a __Host- Secure HttpOnly SameSite cookie over https', async () => {
    await table.attack('cookie flags and HSTS (http and https)', async () => {
      const plain = await site.app.inject({ url: '/sign-in' })
      const plainCookie = String(plain.headers['set-cookie'])
      assert.match(plainCookie, /^session=/)
      assert.match(plainCookie, /; HttpOnly/)
      assert.match(plainCookie, /; SameSite=Lax/)
      assert.match(plainCookie, /; Path=\//)
      assert.doesNotMatch(plainCookie, /Domain=/i)

      const secure = await https.app.inject({
        url: '/sign-in',
        headers: { 'x-forwarded-proto': 'https' },
      })
      const cookie = String(secure.headers['set-cookie'])
      assert.match(cookie, /^__Host-session=/)
      for (const flag of ['; Secure', '; HttpOnly', '; SameSite=Lax', '; Path=/'])
        assert.ok(cookie.includes(flag), `${flag} in ${cookie}`)
      assert.doesNotMatch(cookie, /Domain=/i)
      const hsts = String(secure.headers['strict-transport-security'])
      assert.match(hsts, /max-age=(\d+)/)
      assert.ok(Number(/max-age=(\d+)/.exec(hsts)?.[1]) >= 31536000, 'at least a year')
      assert.match(hsts, /includeSubDomains/)
      // The reset page keeps its token out of Referer headers.
      const reset = await https.app.inject({ url: `/account/reset-password/${'a'.repeat(43)}` })
      assert.equal(reset.headers['referrer-policy'], 'no-referrer')
      return 3
    })
  })
})
