// Visitors' pages from the short-lived cache (ETag and 304 included), dropped as soon as a write
// changes what they show; signed-in people never see a cached page. Raw files by X-Accel from
// local files, whose per-node lookup is dropped with the post.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { QueryCounter } from '../helpers/query-counter.js'
import { post, postJson } from '../helpers/social.js'

describe(`page cache (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const counter = new QueryCounter()
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let key: string
  before(async () => {
    site = await createTestSite(
      { PAGE_CACHE_SECONDS: '30', X_ACCEL_LOCAL_FILES: 'true' },
      { server: { queryPlugins: [counter] } },
    )
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    key = await post(alice, 'cached')
  })
  after(() => site?.close())

  const visit = (url: string, headers: Record<string, string> = {}) =>
    site.app.inject({ url, headers })

  it('serves a visitor the same page again without a query, and a 304 for its ETag', async () => {
    const first = await visit(`/p/${key}`)
    assert.equal(first.statusCode, 200)
    assert.equal(first.headers['x-page-cache'], undefined)
    const etag = first.headers.etag as string
    assert.match(etag, /^W\/"/)
    let again: Awaited<ReturnType<typeof visit>> | undefined
    const tally = await counter.measure(async () => {
      again = await visit(`/p/${key}`)
    })
    assert.equal(again?.headers['x-page-cache'], 'hit')
    assert.equal(again?.body, first.body)
    assert.deepEqual(tally, { queries: 0, roundTrips: 0 })
    // A hit answers with the headers the page was rendered with, security headers included.
    for (const header of ['content-type', 'vary', 'content-security-policy', 'x-frame-options'])
      assert.equal(again?.headers[header], first.headers[header], header)
    const notModified = await visit(`/p/${key}`, { 'if-none-match': etag })
    assert.equal(notModified.statusCode, 304)
    assert.equal(notModified.body, '')
  })

  it('drops the page when a like changes it', async () => {
    await visit(`/p/${key}`)
    const liked = await postJson(bob, `/p/${key}/like`)
    assert.equal(liked.status, 200)
    const fresh = await visit(`/p/${key}`)
    assert.equal(fresh.headers['x-page-cache'], undefined)
    assert.match(fresh.body, /1 like</)
  })

  it('never caches for a signed-in person, nor a visitor whose page started a session', async () => {
    await bob.get(`/p/${key}`)
    const signedIn = await bob.get(`/p/${key}`)
    assert.equal(signedIn.headers['x-page-cache'], undefined)
    // The sign-in form needs a CSRF secret: that page is the visitor's own.
    await visit('/sign-in')
    const form = await visit('/sign-in')
    assert.equal(form.headers['x-page-cache'], undefined)
    assert.ok(form.headers['set-cookie'])
  })

  it('hands local files to nginx by X-Accel-Redirect, and stops at once when the post is gone', async () => {
    const raw = await visit(`/r/${key}`)
    assert.equal(raw.statusCode, 200)
    assert.match(
      raw.headers['x-accel-redirect'] as string,
      /^\/_local\/i\/[0-9a-f]{40}\/original\.jpg$/,
    )
    assert.equal(raw.body, '')
    assert.equal(raw.headers['content-type'], 'image/jpeg')
    await visit(`/p/${key}`)
    const deleted = await alice.post(`/p/${key}/delete`, {})
    assert.equal(deleted.statusCode, 303)
    assert.equal((await visit(`/r/${key}`)).statusCode, 404)
    assert.equal((await visit(`/p/${key}`)).statusCode, 404)
  })
})
