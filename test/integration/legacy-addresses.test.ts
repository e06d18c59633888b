// MLTSHP's older addresses keep working: its deprecated friends stream, its shake directory and
// /popular/<n> redirect for good to ours, and /favor and /unfavor like and unlike as /like and
// /unlike do.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { post, postJson } from '../helpers/social.js'

describe('MLTSHP addresses', () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let key: string
  before(async () => {
    site = await createTestSite()
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    key = await post(alice, 'an old favourite')
  })
  after(() => site?.close())

  it('sends the friends stream, the shake directory, /popular/<n> and /~NAME/… on to ours (301)', async () => {
    const moved: Array<[string, string]> = [
      ['/friends', '/'],
      [`/friends/before/${key}`, `/before/${key}`],
      [`/friends/after/${key}`, `/after/${key}`],
      ['/friends/before/%0D%0ASet-Cookie:x=1', '/before/%0D%0ASet-Cookie%3Ax%3D1'],
      ['/tools/find-shakes', '/shakes'],
      ['/popular/2', '/popular'],
      ['/~alice/likes', '/user/alice/likes'],
      [`/~alice/likes/before/${key}`, `/user/alice/likes/before/${key}`],
      ['/~alice/followers?page=2', '/user/alice/followers?page=2'],
      ['/~alice/%0D%0ASet-Cookie:x=1', '/user/alice/%0D%0ASet-Cookie%3Ax%3D1'],
      ['/~alice//evil.example', '/user/alice//evil.example'],
    ]
    for (const [from, to] of moved) {
      const response = await site.app.inject({ url: from })
      assert.equal(response.statusCode, 301, from)
      assert.equal(response.headers.location, to, from)
      assert.equal(response.headers['set-cookie'], undefined, from)
    }
  })

  it('likes with /favor and unlikes with /unfavor, as MLTSHP did', async () => {
    await bob.get(`/p/${key}`)
    assert.deepEqual(await postJson(bob, `/p/${key}/favor`), {
      status: 200,
      body: { liked: true, like_count: 1 },
    })
    const page = await bob.post(`/p/${key}/unfavor`, {})
    assert.equal(page.statusCode, 303)
    assert.equal(page.headers.location, `/p/${key}`)
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('like_count')
      .where('id', '=', Number.parseInt(key, 36))
      .executeTakeFirstOrThrow()
    assert.equal(row.like_count, 0)
  })
})

describe('MLTSHP JSON for scripts', () => {
  let site: TestSite
  let alice: Browser
  before(async () => {
    site = await createTestSite()
    alice = await signUp(site.app, 'alice')
  })
  after(() => site?.close())

  it('lists the shakes a member may post to at /account/shakes, to that member only', async () => {
    const mine = await alice.get('/account/shakes', { accept: 'application/json' })
    assert.equal(mine.statusCode, 200)
    const { result } = mine.json() as { result: Array<{ id: number; name: string; type: string }> }
    assert.equal(result.length, 1)
    assert.equal(result[0]?.type, 'user')
    assert.ok(Number.isInteger(result[0]?.id))
    const visitor = await site.app.inject({
      url: '/account/shakes',
      headers: { accept: 'application/json' },
    })
    assert.notEqual(visitor.statusCode, 200)
    assert.doesNotMatch(visitor.body, /"result"/)
  })
})
