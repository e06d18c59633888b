// NSFW: flags cover every copy of an image; moderators mark people; each viewer chooses.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { post, postJson } from '../helpers/social.js'

describe('NSFW', () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
  })
  after(() => site.close())

  const covered = (body: string) => body.includes('class="nsfw-cover"')

  it('covers every post of a flagged image until the viewer chooses otherwise', async () => {
    const key = await post(alice, 'cheeky')
    const copy = (await postJson(carol, `/p/${key}/save`)).body.key as string
    assert.equal(covered((await bob.get(`/p/${key}`)).body), false)
    assert.equal((await postJson(bob, `/p/${key}/nsfw`)).status, 200)
    assert.equal((await postJson(bob, `/p/${key}/nsfw`)).status, 200, 'flagging twice is fine')
    for (const url of [`/p/${key}`, `/p/${copy}`, '/user/alice'])
      assert.ok(covered((await bob.get(url)).body), url)
    const anonymous = new Browser(site.app)
    assert.ok(covered((await anonymous.get(`/p/${key}`)).body))

    await bob.get('/account/settings')
    await bob.post('/account/set-content-filter/off', { next: '/account/settings' })
    assert.equal(covered((await bob.get(`/p/${key}`)).body), false, 'bob chose to see them')
    await anonymous.get('/sign-in')
    const set = await anonymous.post('/account/set-content-filter/off', { next: `/p/${key}` })
    assert.equal(set.statusCode, 303)
    assert.equal(set.headers.location, `/p/${key}`)
    assert.equal(
      covered((await anonymous.get(`/p/${key}`)).body),
      false,
      'a visitor chooses by cookie',
    )
    assert.equal((await postJson(bob, '/p/ZZZZZZ/nsfw')).status, 404)
    assert.equal(
      (await new Browser(site.app).post(`/p/${key}/nsfw`, {}, { csrf: false })).statusCode,
      403,
    )
  })

  it('lets moderators, and only them, mark people; their posts leave Incoming', async () => {
    const key = await post(bob, 'bob posts')
    assert.match((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
    await carol.get('/user/bob')
    assert.equal((await carol.post('/user/bob/nsfw/on', {})).statusCode, 403)
    await grantRole(site.app, 'alice', 'moderator')
    await alice.get('/user/bob')
    assert.match(alice.lastPage?.body ?? '', /Mark NSFW/)
    assert.equal((await alice.post('/user/bob/nsfw/on', {})).statusCode, 303)
    assert.doesNotMatch((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
    assert.ok(covered((await carol.get(`/p/${key}`)).body))
    await alice.get('/user/bob')
    await alice.post('/user/bob/nsfw/off', {})
    assert.match((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
  })
})
