// Hostile input on every route, enumerated from the app's own route table: route parameters,
// query strings and form bodies that no page of the site would send (over-long, invalid
// UTF-8, NUL, numbers past any integer, repeated keys, objects where text is expected). Each
// must be answered by a 4xx (or a redirect, or the page as if the value were absent), never a
// server error, and every error page must say something a person can read.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { onMysql } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import type { Browser } from '../helpers/browser.js'
import { createWorld, type World } from './world.js'

/** Route parameter values, as they would appear in a URL (already percent-encoded). */
const hostileParams = [
  'a'.repeat(3000),
  '%00',
  '%FF%FE',
  '%C0%AF',
  '%E2%80%AE%F0%9F%98%80',
  '%27%20OR%201%3D1--',
  '-1',
  '0',
  '99999999999999999999999',
  '1e309',
  '0x10',
  '..%2F..%2Fetc%2Fpasswd',
  '__proto__',
  '%',
]

/** Query strings added to every GET. */
const hostileQueries = [
  'page=-1',
  'page=1e400',
  'page=99999999999999999999',
  'page=abc&page=2',
  'q=%FF&q=x',
  'q[]=x&q[a]=y',
  'before=%00&after=zz',
  '__proto__[admin]=1&constructor[prototype][admin]=1',
  `q=${'x'.repeat(5000)}`,
  'next=//evil.example&format=xml&jsoncallback=a(b)',
  'url=%&maxwidth=-5&maxheight=1e999',
]

/** Form bodies sent, with the right CSRF token, to every state-changing route. */
function hostileForms(
  token: string,
): Array<{ label: string; type: string; body: string; query?: string }> {
  const fields = [
    'title',
    'description',
    'alt_text',
    'body',
    'name',
    'full_name',
    'about',
    'website',
    'email',
    'shake',
    'shake_id',
    'password',
    'next',
    'user_id',
    'id',
  ]
  const form = (value: (field: string) => string) =>
    [`_csrf=${encodeURIComponent(token)}`, ...fields.map((f) => `${f}=${value(f)}`)].join('&')
  return [
    {
      label: 'every field repeated',
      type: 'application/x-www-form-urlencoded',
      body: `${form(() => 'x')}&${fields.map((f) => `${f}=y`).join('&')}`,
    },
    {
      label: 'numbers past any integer',
      type: 'application/x-www-form-urlencoded',
      body: form(() => '99999999999999999999999'),
    },
    {
      label: 'NUL and invalid UTF-8',
      type: 'application/x-www-form-urlencoded',
      body: form(() => '%00%FF%C0%AF'),
    },
    {
      label: 'bracketed keys',
      type: 'application/x-www-form-urlencoded',
      body: `_csrf=${encodeURIComponent(token)}&${fields.map((f) => `${f}[a]=1&${f}[]=2`).join('&')}`,
    },
    {
      label: 'JSON objects where text belongs',
      type: 'application/json',
      body: JSON.stringify({
        _csrf: token,
        ...Object.fromEntries(fields.map((f) => [f, { $ne: null, toString: 1 }])),
      }),
    },
    {
      label: 'JSON that is not an object',
      type: 'application/json',
      body: '[1,2,3]',
    },
    { label: 'broken JSON', type: 'application/json', body: '{"title": ' },
    {
      // Multipart forms carry their token in the query string (they are read after the check).
      label: 'multipart cut off inside a file',
      type: 'multipart/form-data; boundary=cut',
      body: '--cut\r\nContent-Disposition: form-data; name="file"; filename="../../a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 not the rest',
      query: `_csrf=${encodeURIComponent(token)}`,
    },
    {
      label: 'multipart without a boundary',
      type: 'multipart/form-data',
      body: 'title=x',
      query: `_csrf=${encodeURIComponent(token)}`,
    },
  ]
}

/** Addresses that answer JSON (or script) to everyone: the API (but its consent page) and oEmbed. */
const jsonOnly = (url: string) =>
  (url.startsWith('/api/') && !url.startsWith('/api/authorize')) || url.startsWith('/services/')

/** What went wrong with an answer, if anything. */
function fault(response: LightMyRequestResponse, url: string, accept: string): string | undefined {
  if (response.statusCode >= 500) return `${response.statusCode}: ${response.body.slice(0, 200)}`
  if (response.statusCode >= 400) {
    const type = String(response.headers['content-type'] ?? '')
    const expected =
      accept === 'application/json' || jsonOnly(url)
        ? /application\/json|application\/javascript/
        : /text\/html/
    if (!expected.test(type)) return `${response.statusCode} as ${type || 'no content type'}`
    if (response.body.trim() === '') return `${response.statusCode} with an empty body`
    if (type.includes('text/html') && !/<h1>[^<]+<\/h1>/.test(response.body))
      return `${response.statusCode} without a heading`
    if (type.includes('application/json')) {
      let error: unknown
      try {
        error = (JSON.parse(response.body) as { error?: unknown }).error
      } catch {
        return `${response.statusCode} with JSON that does not parse`
      }
      if (typeof error !== 'string' || error === '')
        return `${response.statusCode} with JSON that names no error`
    }
  }
  return undefined
}

describe(`hostile input on every route (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('Hostile input', 'no 5xx, a readable 4xx')
  let world: World
  before(async () => {
    world = await createWorld()
  })
  after(async () => {
    await world?.site.close()
  })

  /** The route once for each hostile value, given to all its parameters at once. */
  function urlsOf(url: string): string[] {
    if (url.includes('*')) return []
    if (!/:\w+/.test(url)) return [url]
    return hostileParams.map((value) => url.replace(/:(\w+)/g, value))
  }

  /** The route as a page would link it: a real post, the named person, id 1 for the rest. */
  function filled(url: string, person: string): string {
    return url.replace(/:(\w+)/g, (_all, name: string) =>
      name === 'name' ? person : name === 'key' ? world.alicePost : '1',
    )
  }

  async function send(
    browser: Browser | undefined,
    request: { method: string; url: string; type?: string; body?: string; accept?: string },
  ): Promise<LightMyRequestResponse> {
    const cookie = browser ? [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : ''
    return world.site.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: {
        accept: request.accept ?? 'text/html',
        ...(cookie ? { cookie } : {}),
        ...(request.type ? { 'content-type': request.type } : {}),
      },
      ...(request.body !== undefined ? { payload: request.body } : {}),
    })
  }

  it('answers hostile parameters and query strings on every GET route without a server error', async () => {
    const routes = world.site.app.routeTable.filter((r) => r.method === 'GET')
    assert.ok(routes.length > 60, `only ${routes.length} GET routes found`)
    const failures: string[] = []
    let tried = 0
    for (const route of routes) {
      for (const url of urlsOf(route.url)) {
        for (const who of [undefined, world.bob]) {
          for (const accept of ['text/html', 'application/json']) {
            const response = await send(who, { method: 'GET', url, accept })
            tried++
            const wrong = fault(response, url, accept)
            if (wrong)
              failures.push(`GET ${url.slice(0, 80)} (${who ? 'bob' : 'visitor'}): ${wrong}`)
          }
        }
      }
      // The query strings on the route as a page would link it.
      const plain = filled(route.url, 'bob')
      if (plain.includes('*')) continue
      for (const query of hostileQueries) {
        for (const who of [undefined, world.bob]) {
          const response = await send(who, { method: 'GET', url: `${plain}?${query}` })
          tried++
          const wrong = fault(response, plain, 'text/html')
          if (wrong) failures.push(`GET ${plain}?${query.slice(0, 60)}: ${wrong}`)
        }
      }
    }
    await table.attack(`hostile GET on ${routes.length} routes`, async () => {
      assert.deepEqual(failures, [])
      return tried
    })
  })

  it('answers hostile form bodies on every state-changing route without a server error', async () => {
    const routes = world.site.app.routeTable
      .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !r.url.includes('*'))
      // Last: signing out ends the session the other routes are attacked with.
      .sort((a, b) => Number(a.url === '/sign-out') - Number(b.url === '/sign-out'))
    assert.ok(routes.length > 40, `only ${routes.length} state-changing routes found`)
    const failures: string[] = []
    let tried = 0
    // Answers that got past the CSRF check: the bodies reached the routes' own reading.
    let pastCsrf = 0
    // bob, the stranger, sends them: he owns nothing of alice's, and deleting his account or
    // changing his password needs more than these bodies carry.
    await world.bob.get('/account/settings')
    const token = world.bob.csrf as string
    for (const route of routes) {
      if (route.url === '/sign-out') {
        const settings = await send(world.bob, { method: 'GET', url: '/account/settings' })
        assert.equal(settings.statusCode, 200, 'bob was signed in for every other route')
      }
      const plain = filled(route.url, 'alice')
      for (const url of new Set([plain, ...urlsOf(route.url).slice(0, 5)])) {
        for (const form of hostileForms(token)) {
          for (const accept of ['text/html', 'application/json']) {
            const response = await send(world.bob, {
              method: route.method,
              url: form.query ? `${url}?${form.query}` : url,
              type: form.type,
              body: form.body,
              accept,
            })
            tried++
            if (response.statusCode !== 403) pastCsrf++
            const wrong = fault(response, url, accept)
            if (wrong)
              failures.push(`${route.method} ${url.slice(0, 80)} (${form.label}): ${wrong}`)
          }
        }
      }
    }
    await table.attack(`hostile bodies on ${routes.length} routes`, async () => {
      assert.deepEqual(failures, [])
      assert.ok(pastCsrf > tried / 2, `only ${pastCsrf} of ${tried} got past the CSRF check`)
      return tried
    })
  })
})
