// Image takedown: one moderator action removes every file of the image from the store, every
// post of it (all users, all shakes, timelines), logs it, answers 410 for its addresses, and
// refuses the same bytes afterwards. Local files on SQLite, s3rver on MySQL.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

describe(`image takedown (${useS3 ? 'S3 on s3rver' : 'local files'})`, () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  let mod: Browser
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' }, { s3: useS3 })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
    mod = await signUp(site.app, 'mira')
    await grantRole(site.app, 'mira', 'moderator')
  })
  after(() => site.close())

  const sha1Of = async (key: string) =>
    (
      await site.app.db
        .selectFrom('sharedfile as p')
        .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
        .select('s.sha1')
        .where('p.id', '=', Number.parseInt(key, 36))
        .executeTakeFirstOrThrow()
    ).sha1

  async function uploadTo(browser: Browser, shakeId: number, data: Buffer) {
    await browser.get('/tools/new-post')
    const response = await browser.postMultipart('/upload', [
      { name: 'shake_id', value: String(shakeId) },
      { name: 'file', value: data, filename: 'x.jpg', contentType: 'image/jpeg' },
    ])
    assert.equal(response.statusCode, 302, response.body.slice(0, 300))
    return (response.headers.location as string).slice('/p/'.length)
  }

  it('removes every rendition and every post of the image, logged, and refuses it again', async () => {
    const bytes = await images.noisyJpeg(1300, 900)
    const other = await post(alice, 'stays', await images.noisyJpeg(60, 60))
    // The same image: alice's original, bob's upload of the same bytes into a group shake,
    // and carol's save of alice's post.
    const original = await post(alice, 'the image', bytes)
    await bob.get('/shake/create')
    assert.equal(
      (await bob.post('/shake/create', { name: 'Pile', title: 'Pile', description: '' }))
        .statusCode,
      303,
    )
    const pile = await site.app.db
      .selectFrom('shake')
      .select('id')
      .where('name', '=', 'Pile')
      .executeTakeFirstOrThrow()
    const reupload = await uploadTo(bob, pile.id, bytes)
    const saved = (await postJson(carol, `/p/${original}/save`)).body.key as string
    await postJson(carol, `/user/alice/subscribe`)
    await settle(site.app)
    const sha1 = await sha1Of(original)
    assert.equal(await sha1Of(reupload), sha1, 'the same bytes share one image')
    const stored = await site.app.fileStore.list(`i/${sha1}/`)
    assert.ok(stored.length >= 5, `renditions stored: ${stored.join(', ')}`)
    const otherFiles = await site.app.fileStore.list(`i/${await sha1Of(other)}/`)
    assert.ok(otherFiles.length > 0)
    for (const key of [original, reupload, saved])
      assert.equal((await carol.get(`/r/${key}`)).statusCode, 200, key)

    // Members cannot; the moderator must say why.
    await alice.get('/')
    assert.equal(
      (await alice.post('/admin/takedown', { key: original, note: 'x' })).statusCode,
      403,
    )
    await mod.get(`/admin/takedown?key=${original}`)
    assert.match(mod.lastPage?.body ?? '', /the image/)
    const noNote = await mod.post('/admin/takedown', { key: original, note: ' ' })
    assert.equal(noNote.statusCode, 400)
    assert.equal((await carol.get(`/p/${original}`)).statusCode, 200, 'nothing changed yet')

    const done = await postJson(mod, '/admin/takedown', { key: saved, note: 'DMCA notice #12' })
    assert.equal(done.status, 200)
    assert.deepEqual(done.body, { removedPosts: 3, deletedFiles: stored.length })

    assert.deepEqual(await site.app.fileStore.list(`i/${sha1}/`), [], 'no file of it is left')
    for (const key of stored) assert.equal(await site.app.fileStore.exists(key), false, key)
    assert.deepEqual(await site.app.fileStore.list(`i/${await sha1Of(other)}/`), otherFiles)

    for (const key of [original, reupload, saved]) {
      assert.equal((await carol.get(`/p/${key}`)).statusCode, 410, `/p/${key}`)
      assert.equal((await carol.get(`/r/${key}`)).statusCode, 410, `/r/${key}`)
      assert.equal((await carol.get(`/r/${key}/thumb`)).statusCode, 410, `/r/${key}/thumb`)
    }
    assert.equal((await carol.get('/p/ZZZZZZ')).statusCode, 404, 'unknown keys stay 404')
    assert.equal((await carol.get(`/p/${other}`)).statusCode, 200)

    const live = await site.app.db
      .selectFrom('sharedfile as p')
      .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
      .select('p.id')
      .where('s.sha1', '=', sha1)
      .where('p.deleted', '=', 0)
      .execute()
    assert.deepEqual(live, [], 'every post of the image is deleted')
    const placed = await site.app.db
      .selectFrom('shakesharedfile')
      .select('id')
      .where(
        'sharedfile_id',
        'in',
        [original, reupload, saved].map((k) => Number.parseInt(k, 36)),
      )
      .where('deleted', '=', 0)
      .execute()
    assert.deepEqual(placed, [], 'out of every shake')
    for (const [browser, url] of [
      [carol, '/'],
      [carol, '/user/alice'],
      [carol, '/Pile'],
      [carol, '/incoming'],
    ] as const) {
      const body = (await browser.get(url)).body
      for (const key of [original, reupload, saved])
        assert.doesNotMatch(body, new RegExp(`/p/${key}"`), `${url} still shows ${key}`)
    }

    const log = (await mod.get('/admin/log')).body
    assert.match(log, /takedown/)
    assert.match(log, /DMCA notice #12/)
    assert.match(log, /3 posts removed/)
    const row = await site.app.db
      .selectFrom('moderation_log as l')
      .innerJoin('user as m', 'm.id', 'l.moderator_id')
      .select(['m.name', 'l.action', 'l.note', 'l.created_at'])
      .executeTakeFirstOrThrow()
    assert.equal(row.name, 'mira')
    assert.equal(row.action, 'takedown')
    assert.ok(row.created_at)

    // The same bytes are refused, by anyone, and nothing is stored for them.
    await carol.get('/tools/new-post')
    const again = await carol.postMultipart('/upload', [
      { name: 'file', value: bytes, filename: 'again.jpg', contentType: 'image/jpeg' },
    ])
    assert.equal(again.statusCode, 403)
    assert.match(again.body, /taken down/)
    assert.deepEqual(await site.app.fileStore.list(`i/${sha1}/`), [])
  })

  it('is for moderators only, and answers 404 for an unknown key', async () => {
    const key = await post(alice, 'safe')
    await bob.get('/')
    assert.equal((await bob.post('/admin/takedown', { key, note: 'no' })).statusCode, 403)
    assert.equal((await bob.get(`/admin/takedown?key=${key}`)).statusCode, 403)
    assert.equal((await carol.get(`/r/${key}`)).statusCode, 200)
    await mod.get('/admin/takedown')
    assert.equal((await mod.post('/admin/takedown', { key: 'ZZZZZZ', note: 'x' })).statusCode, 404)
  })
})
