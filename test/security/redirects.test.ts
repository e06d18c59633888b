// Open redirects: every `next` the site accepts, and every route parameter that ends up in a
// Location header, fed the tricks that send browsers elsewhere. Wherever the answer redirects,
// a browser resolving the Location (WHATWG URL rules, as Chromium does) stays on this site.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { PASSWORD } from '../helpers/accounts.js'
import { onMysql } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import { Browser } from '../helpers/browser.js'
import { createWorld, type World } from './world.js'

const nextValues = [
  '//evil.example',
  '///evil.example',
  '////evil.example/',
  '/\\evil.example',
  '\\/evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  'https://evil.example',
  'https:evil.example',
  'https:/evil.example',
  'http:\\\\evil.example',
  '//evil.example@mlkshk.test',
  'https://mlkshk.test.evil.example/',
  'https://mlkshk.test@evil.example/',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.example',
  ' //evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/%09/evil.example',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example',
  '/%5Cevil.example',
  '%2f%5cevil.example',
  '/%252F%252Fevil.example',
  '/\u3002evil.example',
  '//evil%E3%80%82example',
  '/\r\nLocation: https://evil.example',
  '/%0d%0aSet-Cookie:%20session=stolen',
  '/\u2028//evil.example',
  `/${'a'.repeat(5000)}`,
]

/**
 * Paths that start on this site and collapse into another host once a URL parser removes
 * their dot segments or reads their backslashes: every dot segment (plain, percent-encoded,
 * in either case, mixed), after the root or deeper, followed by two separators of every
 * spelling, then a host (in turn plain and in mixed case with a path). Generated, so a new spelling is one entry in a list.
 */
function dotSegmentValues(): string[] {
  const prefixes = ['/', '/a/', '/a/b/../']
  const dots = [
    '.',
    '..',
    '%2e',
    '%2E',
    '%2e%2e',
    '%2E%2E',
    '%2e%2E',
    '.%2e',
    '%2e.',
    '.%2E',
    '%2E.',
  ]
  const separators = ['/', '\\', '%2f', '%2F', '%5c', '%5C']
  const hosts = ['evil.example', 'EviL.Example/x?y=1#z']
  let turn = 0
  const values: string[] = []
  for (const prefix of prefixes)
    for (const dot of dots)
      for (const first of separators)
        for (const second of separators)
          values.push(`${prefix}${dot}${first}${second}${hosts[turn++ % hosts.length]}`)
  return values
}

const HOME = 'http://mlkshk.test'

/** Where a browser would go from this answer, or undefined when it does not redirect. */
function destination(response: LightMyRequestResponse): URL | undefined {
  const value = response.headers.location
  if (value === undefined) return undefined
  return new URL(String(value), `${HOME}/sign-in`)
}

describe(`open redirects (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('open redirect', 'stays on this site')
  let world: World
  before(async () => {
    // Following is limited per person; here it is tried once per next= variant.
    world = await createWorld({ RATE_LIMIT_FOLLOW: '100000/60,100000/3600' })
  })
  after(async () => {
    await world?.site.close()
  })

  /** Fails unless the answer keeps the browser on this site and its headers are intact. */
  function staysHome(what: string, response: LightMyRequestResponse, failures: string[]) {
    assert.ok(response.statusCode < 500, `${what}: ${response.statusCode}`)
    const to = destination(response)
    if (to && to.origin !== HOME) failures.push(`${what} -> ${String(response.headers.location)}`)
    if (/[\r\n]/.test(String(response.headers.location ?? '')))
      failures.push(`${what}: a line break in Location`)
    if (String(response.headers['set-cookie'] ?? '').includes('stolen'))
      failures.push(`${what}: a header was injected`)
  }

  it('keeps next= on this site when signing in (form, query and already signed in)', async () => {
    await table.attack('next= after sign-in (3 ways)', async () => {
      const failures: string[] = []
      const visitor = new Browser(world.site.app)
      for (const next of nextValues) {
        // The sign-in form carries next along in a hidden field.
        const form = await visitor.get(`/sign-in?next=${encodeURIComponent(next)}`)
        assert.equal(form.statusCode, next.length > 2000 ? form.statusCode : 200)
        const hidden = /name="next" value="([^"]*)"/.exec(form.body)?.[1]
        if (hidden !== undefined && hidden !== '/' && !hidden.startsWith('/'))
          failures.push(`form keeps ${JSON.stringify(hidden)}`)
        // Signing in with it, as the form would post it.
        const browser = new Browser(world.site.app)
        await browser.get('/sign-in')
        const signedIn = await browser.post('/sign-in', { name: 'bob', password: PASSWORD, next })
        assert.equal(signedIn.statusCode, 303, next)
        staysHome(`sign-in next=${JSON.stringify(next)}`, signedIn, failures)
        // Already signed in, the form page redirects at once.
        const again = await browser.get(`/sign-in?next=${encodeURIComponent(next)}`)
        staysHome(`signed-in GET next=${JSON.stringify(next)}`, again, failures)
        // Raw, not re-encoded: what a hand-made link sends.
        if (!/[\s]/.test(next)) {
          const raw = await browser.get(`/sign-in?next=${next}`)
          staysHome(`raw GET next=${next.slice(0, 60)}`, raw, failures)
        }
      }
      assert.deepEqual(failures, [])
      return nextValues.length * 4
    })
  })

  it('keeps dot-segment, encoded, backslash and mixed-case next= on this site, on every route that takes it', async () => {
    const variants = dotSegmentValues()
    // The audit's three, whatever the generator becomes.
    for (const audited of ['/.//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example'])
      assert.ok(variants.includes(audited), audited)
    await table.attack(
      'next= with dot segments (every route, with and without a session)',
      async () => {
        const failures: string[] = []
        const visitor = new Browser(world.site.app)
        await visitor.get('/sign-in')
        const bob = new Browser(world.site.app)
        await bob.get('/sign-in')
        assert.equal(
          (await bob.post('/sign-in', { name: 'bob', password: PASSWORD })).statusCode,
          303,
        )
        await bob.get('/account/settings')
        const alice = world.alice
        await alice.get('/account/settings')
        const report = await world.site.app.db.selectFrom('report').select('id').executeTakeFirst()
        let tried = 0
        for (const next of variants) {
          const encoded = encodeURIComponent(next)
          const attempts: Array<[string, Promise<LightMyRequestResponse>]> = [
            ['visitor GET /sign-in', visitor.get(`/sign-in?next=${encoded}`)],
            ['signed-in GET /sign-in', bob.get(`/sign-in?next=${encoded}`)],
            ['visitor content filter', visitor.post('/account/set-content-filter/on', { next })],
            ['signed-in content filter', bob.post('/account/set-content-filter/on', { next })],
            ['report', bob.post(`/report/post/${world.alicePost}`, { reason: 'spam', next })],
            ['unblock', bob.post('/user/carol/unblock', { next })],
            ['unmute', bob.post('/user/carol/unmute', { next })],
            ['follow (a suggestion)', bob.post('/user/dave/subscribe', { next })],
            ['unfollow', bob.post('/user/dave/unsubscribe', { next })],
            ['moderator NSFW mark', alice.post('/user/dave/nsfw/off', { next })],
            ...(report
              ? ([
                  [
                    'moderator settles a report',
                    alice.post(`/admin/reports/${report.id}/dismiss`, { next }),
                  ],
                ] as Array<[string, Promise<LightMyRequestResponse>]>)
              : []),
          ]
          for (const [what, answer] of attempts) {
            const response = await answer
            staysHome(`${what} next=${JSON.stringify(next)}`, response, failures)
            // The visitor's sign-in form carries next on in a hidden field: a path that stays.
            if (what === 'visitor GET /sign-in') {
              const hidden = /name="next" value="([^"]*)"/.exec(response.body)?.[1] ?? '/'
              const decoded = hidden.replaceAll('&#x2F;', '/').replaceAll('&amp;', '&')
              if (new URL(decoded, `${HOME}/sign-in`).origin !== HOME || /^\/[/\\]/.test(decoded))
                failures.push(
                  `sign-in form keeps ${JSON.stringify(hidden)} for ${JSON.stringify(next)}`,
                )
            }
            tried++
          }
        }
        // Signing in with the form's next: the password check is slow, so one in eight variants.
        for (const next of variants.filter((_, i) => i % 8 === 0)) {
          const browser = new Browser(world.site.app)
          await browser.get('/sign-in')
          const signedIn = await browser.post('/sign-in', { name: 'bob', password: PASSWORD, next })
          assert.equal(signedIn.statusCode, 303, next)
          staysHome(`sign-in POST next=${JSON.stringify(next)}`, signedIn, failures)
          tried++
        }
        assert.deepEqual(failures.slice(0, 20), [])
        return tried
      },
    )
  })

  it('keeps next= on this site for the content filter switch', async () => {
    await table.attack('next= on the content filter', async () => {
      const failures: string[] = []
      const visitor = new Browser(world.site.app)
      await visitor.get('/sign-in')
      for (const next of nextValues) {
        const response = await visitor.post('/account/set-content-filter/off', { next })
        staysHome(`content filter next=${JSON.stringify(next)}`, response, failures)
      }
      assert.deepEqual(failures, [])
      return nextValues.length
    })
  })

  it('never turns a route parameter into a redirect off the site', async () => {
    await table.attack('route parameters reflected into Location', async () => {
      // Every state-changing route with a :key or :name, the parameter replaced by a way out.
      const tricks = ['%2F%2Fevil.example', '%2Fevil.example', '%5Cevil.example', '%0d%0aX:%20y']
      const routes = world.site.app.routeTable.filter(
        (route) => route.method === 'POST' && /:(key|name)\b/.test(route.url),
      )
      assert.ok(routes.length > 20)
      const failures: string[] = []
      const alice = world.alice
      await alice.get('/account/settings')
      for (const route of routes) {
        for (const trick of tricks) {
          const url = route.url
            .replace(/:(key|name)\b/g, trick)
            .replace(/:id\b/, String(world.aliceComment))
            .replace(/:state\b/, 'on')
          const response = await alice.post(url, {
            name: 'carol',
            shake: trick,
            body: 'x',
            next: '/.//evil.example',
          })
          staysHome(`${route.url} with ${trick}`, response, failures)
        }
      }
      assert.deepEqual(failures, [])
      return routes.length * tricks.length
    })
  })
})
