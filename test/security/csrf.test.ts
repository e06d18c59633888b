// CSRF on every state-changing route, enumerated from the app's own route table: a route added
// later is attacked too, and the suite fails until it refuses forged requests or is listed
// below with the reason it needs no token.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { onMysql } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import type { Browser } from '../helpers/browser.js'
import { snapshot } from '../helpers/db-snapshot.js'
import * as images from '../helpers/images.js'
import { multipart } from '../helpers/multipart.js'
import { createWorld, type World } from './world.js'

/**
 * Routes that change state without a CSRF token. The rule: any route a request can reach with
 * the session cookie must check CSRF. Only routes that ignore the cookie (authenticated by a
 * bearer token or a client secret in the request itself) may be listed, and the suite still
 * proves that the session cookie alone gets nowhere on them.
 */
const withoutCsrf: Record<string, string> = {
  // The OAuth token endpoint: clients authenticate with their id and secret in the body; no
  // browser cookie is read, so a forged cross-site form has nothing to borrow.
  'POST /api/token': 'OAuth client credentials, no cookie',
}
/** Every /api route other than the token endpoint is authenticated by a bearer token only. */
const bearerOnly = (url: string) => url.startsWith('/api/')

const unsafe = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method)

describe(`CSRF on every state-changing route (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('CSRF', '403, nothing changed')
  let world: World
  before(async () => {
    world = await createWorld()
  })
  after(async () => {
    await world?.site.close()
  })

  /** A real value for each route parameter, so a forged request would act on real data. */
  function fill(url: string): string {
    return url.replace(/:(\w+)/g, (_all, name: string) => {
      const values: Record<string, string> = {
        // alice may not like or save her own post: aim those at carol's.
        key: /^\/p\/:key\/(like|unlike|save)$/.test(url) ? world.groupPost : world.alicePost,
        id: url.startsWith('/admin/') ? '1' : String(world.aliceComment),
        name: url.startsWith('/user/') ? 'bob' : world.group,
        state: 'off',
        token: 'a'.repeat(43),
        queue: 'social',
        action: 'discard',
        type: 'post',
        target: world.alicePost,
      }
      const value = values[name]
      if (value === undefined) throw new Error(`add a value for :${name} (route ${url})`)
      return value
    })
  }

  // Fields that would make most forms succeed, had the token not been checked.
  const form = {
    title: 'forged',
    description: 'forged',
    alt_text: 'forged',
    body: 'forged comment',
    name: 'dave',
    full_name: 'Forged',
    about: 'forged',
    website: '',
    form: 'mail',
    email: 'on',
    shake: 'alicegroup',
    next: '/',
  }

  async function send(
    browser: Browser,
    method: string,
    url: string,
    variant: { body?: 'form' | 'multipart'; token?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse> {
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const fields: Record<string, string> = { ...form }
    if (variant.token !== undefined) fields._csrf = variant.token
    const body =
      variant.body === 'multipart'
        ? multipart([
            ...Object.entries(fields).map(([name, value]) => ({ name, value })),
            {
              name: 'file',
              value: await images.noisyJpeg(16, 16),
              filename: 'f.jpg',
              contentType: 'image/jpeg',
            },
          ])
        : {
            contentType: 'application/x-www-form-urlencoded',
            payload: new URLSearchParams(fields).toString(),
          }
    return browser.app.inject({
      method: method as 'POST',
      url,
      headers: {
        cookie,
        accept: 'text/html',
        'content-type': body.contentType,
        ...variant.headers,
      },
      payload: body.payload,
    })
  }

  function isCsrfRefusal(response: LightMyRequestResponse): boolean {
    return response.statusCode === 403 && /This form has expired/.test(response.body)
  }

  it('refuses forged requests on every route that changes state', async () => {
    const routes = world.site.app.routeTable.filter((route) => unsafe(route.method))
    assert.ok(routes.length > 40, `only ${routes.length} state-changing routes found`)
    const alice = world.alice
    await alice.get('/account/settings')
    const aliceToken = alice.csrf as string
    await world.bob.get('/account/settings')
    const bobToken = world.bob.csrf as string
    assert.notEqual(aliceToken, bobToken)

    interface Variant {
      label: string
      body: 'form' | 'multipart'
      token?: string
      headers?: Record<string, string>
    }
    const variants: Variant[] = [
      { label: 'no token', body: 'form' },
      { label: 'no token, multipart', body: 'multipart' },
      { label: 'wrong token', body: 'form', token: 'not-the-token' },
      { label: "another session's token", body: 'form', token: bobToken },
      {
        label: 'right token, cross-site',
        body: 'form',
        token: aliceToken,
        headers: { 'sec-fetch-site': 'cross-site' },
      },
      {
        label: 'token in the header, cross-site, JSON',
        body: 'form',
        headers: {
          'x-csrf-token': aliceToken,
          'sec-fetch-site': 'cross-site',
          accept: 'application/json',
        },
      },
    ]
    const checked: string[] = []
    const failures: string[] = []
    for (const route of routes) {
      const id = `${route.method} ${route.url}`
      const url = fill(route.url)
      const allowed = withoutCsrf[id] ?? (bearerOnly(route.url) ? 'bearer token' : undefined)
      // One snapshot around all the variants of a route: a change shows either way, and the
      // suite stays quick on MySQL.
      const before = await snapshot(world.site.app.db)
      for (const variant of variants) {
        const response = await send(alice, route.method, url, variant)
        if (allowed) {
          // Not checked for CSRF, so the session cookie alone must not authenticate it.
          if (response.statusCode < 400)
            failures.push(`${id} (${variant.label}): ${response.statusCode} with the cookie alone`)
        } else if (variant.headers?.accept === 'application/json') {
          if (response.statusCode !== 403)
            failures.push(`${id} (${variant.label}): ${response.statusCode}, not 403`)
        } else if (!isCsrfRefusal(response)) {
          failures.push(`${id} (${variant.label}): ${response.statusCode}, not the CSRF 403`)
        }
      }
      const afterwards = await snapshot(world.site.app.db)
      if (afterwards !== before) {
        // Named, so that a change made by something else at the same moment can be told apart.
        const was = JSON.parse(before) as Record<string, string[]>
        const now = JSON.parse(afterwards) as Record<string, string[]>
        const changed = Object.keys(now).filter(
          (table) => JSON.stringify(now[table]) !== JSON.stringify(was[table]),
        )
        failures.push(`${id}: a forged request changed the data (${changed.join(', ')})`)
      }
      checked.push(id)
    }
    await table.attack(`forged POST on ${checked.length} routes x ${variants.length}`, async () => {
      assert.deepEqual(failures, [], 'each route must refuse forged requests or be listed')
      return checked.length * variants.length
    })
  })

  it('lets the same request through with the right token (the 403s are about the token)', async () => {
    await table.attack(
      'control: genuine form accepted',
      async () => {
        await world.alice.get('/account/settings/profile')
        const saved = await world.alice.post('/account/settings/profile', {
          full_name: 'Alice Real',
          about: '',
          website: '',
        })
        assert.equal(saved.statusCode, 303)
        return 1
      },
      'accepted',
    )
  })

  it('has no state-changing GET routes, and sign-out is POST only', async () => {
    await table.attack(
      'state change by GET (sign-out, delete, like)',
      async () => {
        // Email confirmation links are GETs by nature: the single-use token in the link is the
        // proof, not the session, so they are not forgeable by another site.
        const getsThatChange = new Set(['/verify-email/:token'])
        const suspicious = world.site.app.routeTable.filter(
          (route) =>
            route.method === 'GET' &&
            /(sign-out|delete|remove|like|save|update|create|clear|subscribe)$/.test(route.url) &&
            !getsThatChange.has(route.url),
        )
        // /shake/create and /shake/:name/update are GET pages that show the form.
        const forms = ['/shake/create', '/shake/:name/update']
        assert.deepEqual(
          suspicious.map((r) => r.url).filter((url) => !forms.includes(url)),
          [],
        )
        const before = await snapshot(world.site.app.db)
        let tried = 0
        for (const url of [
          '/sign-out',
          `/p/${world.alicePost}/delete`,
          `/p/${world.alicePost}/like`,
        ]) {
          const response = await world.alice.get(url)
          assert.ok([404, 405].includes(response.statusCode), `GET ${url}: ${response.statusCode}`)
          tried++
        }
        assert.equal(await snapshot(world.site.app.db), before)
        assert.equal(
          (await world.alice.get('/account/settings')).statusCode,
          200,
          'still signed in',
        )
        return tried
      },
      '404/405, nothing changed',
    )
  })
})
