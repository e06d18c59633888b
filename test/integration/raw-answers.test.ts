// /r/KEY behind nginx's answer cache: a visitor's X-Accel answer says how long nginx may keep it
// and names the post whose view nginx then logs (the app does not count it); a signed-in look
// is neither kept nor left to nginx. Without nginx's image hit log nothing is kept.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { post } from '../helpers/social.js'

describe(`raw-file answers for nginx's cache (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let dir: string
  let site: TestSite
  let plain: TestSite
  let alice: Browser
  let bob: Browser
  let key: string
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'raw-answers-'))
    site = await createTestSite({
      PAGE_CACHE_SECONDS: '5',
      X_ACCEL_LOCAL_FILES: 'true',
      VIEW_LOG_FILE: path.join(dir, 'views.log'),
    })
    plain = await createTestSite({ PAGE_CACHE_SECONDS: '5', X_ACCEL_LOCAL_FILES: 'true' })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    key = await post(alice, 'kept by nginx')
  })
  after(async () => {
    await site?.close()
    await plain?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const views = async () => {
    await site.app.views.flush()
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('view_count')
      .where('id', '=', Number.parseInt(key, 36))
      .executeTakeFirstOrThrow()
    return Number(row.view_count)
  }

  it("lets nginx keep a visitor's answer and count the look", async () => {
    const before = await views()
    const raw = await site.app.inject({ url: `/r/${key}` })
    assert.equal(raw.statusCode, 200)
    assert.match(raw.headers['x-accel-redirect'] as string, /^\/_local\//)
    assert.equal(raw.headers['x-accel-expires'], '5')
    assert.equal(raw.headers['x-view-post'], String(Number.parseInt(key, 36)))
    assert.equal(await views(), before, 'nginx counts it, from its log')
    const thumb = await site.app.inject({ url: `/r/${key}/thumb` })
    assert.equal(thumb.headers['x-accel-expires'], '5')
    assert.equal(thumb.headers['x-view-post'], undefined, 'a thumbnail is no view')
  })

  it('keeps no signed-in answer, and counts that look itself (not the owner’s)', async () => {
    const before = await views()
    const seen = await bob.get(`/r/${key}`)
    assert.equal(seen.statusCode, 200)
    assert.equal(seen.headers['x-accel-expires'], '0')
    assert.equal(seen.headers['x-view-post'], undefined)
    await alice.get(`/r/${key}`)
    assert.equal(await views(), before + 1)
  })

  it('keeps nothing, and counts every look, when no image hit log is read', async () => {
    const raw = await plain.app.inject({ url: '/r/1' })
    assert.equal(raw.statusCode, 404)
    assert.equal(raw.headers['x-accel-expires'], undefined, 'a 404 is never kept')
    const owner = await signUp(plain.app, 'carol')
    const own = await post(owner, 'not kept')
    const look = await plain.app.inject({ url: `/r/${own}` })
    assert.equal(look.headers['x-accel-expires'], '0')
    assert.equal(look.headers['x-view-post'], undefined)
  })
})
