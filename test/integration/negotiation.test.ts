// What scripts get when they ask: JSON for actions (with the fields of a refusal), and a page's
// main content alone for "load more" (X-Fragment: 1). Forms keep getting pages and redirects.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { post, postJson } from '../helpers/social.js'

describe('answers for scripts', () => {
  let site: TestSite
  let alice: Browser
  let keys: string[] = []
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' })
    alice = await signUp(site.app, 'alice')
    keys = []
    for (let i = 0; i < 11; i++)
      keys.push(await post(alice, `Post ${i}`, await images.jpeg(30 + i, 20)))
  })
  after(() => site?.close())

  it('sends a page without its frame when asked for a fragment', async () => {
    const full = await alice.get('/incoming')
    assert.match(full.body, /^\s*<!doctype html>/i)
    assert.match(String(full.headers.vary), /X-Fragment/i)
    const older = /href="(\/incoming\/before\/[0-9A-Z]+)" rel="next"/.exec(full.body)?.[1]
    assert.ok(older, 'the stream links to older posts')

    const fragment = await alice.get(older, { 'x-fragment': '1' })
    assert.equal(fragment.statusCode, 200)
    assert.match(String(fragment.headers.vary), /X-Fragment/i)
    assert.doesNotMatch(fragment.body, /<html|<header class="site-header"|site-footer/)
    assert.match(fragment.body, new RegExp(`data-post="${keys[0]}"`), 'the oldest post')
    assert.doesNotMatch(fragment.body, new RegExp(`data-post="${keys[10]}"`), 'not the newest')
  })

  it('answers a refused edit with the message of each field, and changes nothing', async () => {
    await alice.get(`/p/${keys[10]}`)
    const refused = await postJson(alice, `/p/${keys[10]}/edit`, {
      title: 'x'.repeat(300),
      description: '',
      alt_text: 'fine',
    })
    assert.equal(refused.status, 400)
    assert.match(refused.body.fields.title, /255/)
    assert.equal(refused.body.error, refused.body.fields.title)
    const page = await alice.get(`/p/${keys[10]}`)
    assert.match(page.body, /<h1>Post 10<\/h1>/)

    const saved = await postJson(alice, `/p/${keys[10]}/edit`, {
      title: 'Renamed',
      description: 'Now described',
      alt_text: 'A tiny green picture',
    })
    assert.deepEqual(saved, {
      status: 200,
      body: { title: 'Renamed', description: 'Now described', alt_text: 'A tiny green picture' },
    })
  })

  it('clears notifications for scripts with JSON, and for forms with a redirect', async () => {
    assert.deepEqual(await postJson(alice, '/notifications/clear'), {
      status: 200,
      body: { cleared: true },
    })
    await alice.get('/notifications')
    assert.equal((await alice.post('/notifications/clear', {})).statusCode, 303)
  })
})
