// Data export: asked for in settings, built by a job into a ZIP (originals + JSON), stored under
// a private key (on s3rver in the MySQL run), announced by mail, downloadable only by its owner
// while it lasts, then swept from storage.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runJob } from '../../src/jobs/definitions.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite, useS3 } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { jobContext, settle } from '../helpers/jobs.js'
import { linkFromMail } from '../helpers/mail.js'
import { post, postJson } from '../helpers/social.js'
import { unzip } from '../helpers/zip.js'

/** Every file in the archive, by name. */
async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}

describe(`data export (${onMysql ? 'MySQL, files on S3' : 'SQLite, local files'})`, () => {
  let site: TestSite
  let eve: Browser
  let fay: Browser
  let exportUrl: string

  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' }, { s3: useS3 })
    eve = await signUp(site.app, 'eve')
    fay = await signUp(site.app, 'fay')
  })
  after(() => site.close())

  const db = () => site.app.db
  const originalKey = async (key: string) => {
    const row = await db()
      .selectFrom('sharedfile as p')
      .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
      .select('s.renditions')
      .where('p.id', '=', Number.parseInt(key, 36))
      .executeTakeFirstOrThrow()
    return (JSON.parse(row.renditions) as Array<{ name: string; key: string }>).find(
      (r) => r.name === 'original',
    )?.key as string
  }

  /** The archive's bytes as the browser gets them: from the app, or from S3 through nginx. */
  async function download(browser: Browser, url: string) {
    const response = await browser.get(url)
    if (response.statusCode !== 200) return { response, bytes: undefined }
    const presigned = response.headers['x-presigned-url']
    if (presigned) {
      assert.equal(response.headers['x-accel-redirect'], `/_private/${await storageKey()}`)
      const fetched = await fetch(String(presigned))
      assert.equal(fetched.status, 200)
      return { response, bytes: Buffer.from(await fetched.arrayBuffer()) }
    }
    return { response, bytes: response.rawPayload }
  }

  const storageKey = async () =>
    (await db().selectFrom('data_export').select('storage_key').executeTakeFirstOrThrow())
      .storage_key as string

  it('builds a ZIP of the originals and JSON by a job, mails the owner and serves it to them', async () => {
    const jpegKey = await post(eve, 'eve <jpeg>')
    const pngKey = await post(eve, 'eve png', await images.png(60, 40))
    const fayKey = await post(fay, 'fay post')
    await eve.get(`/p/${fayKey}`)
    assert.equal((await postJson(eve, `/p/${fayKey}/like`)).status, 200)
    await eve.get(`/p/${fayKey}`)
    const saved = await eve.post(`/p/${fayKey}/save`, {})
    assert.equal(saved.statusCode, 303)
    await eve.get(`/p/${fayKey}`)
    await eve.post(`/p/${fayKey}/comment`, { body: 'eve says "hi" & <waves>' })
    await eve.post('/user/fay/subscribe', {})
    await fay.get('/')
    await fay.post('/user/eve/subscribe', {})

    await eve.get('/account/settings/data')
    const asked = await eve.post('/account/export', {})
    assert.equal(asked.statusCode, 303)
    await settle(site.app)

    const link = await linkFromMail(site.app, 'eve@example.com', /http\S+\/account\/settings\/data/)
    assert.equal(link, '/account/settings/data')
    const page = await eve.get(link)
    const href = /href="(\/account\/export\/\d+)"/.exec(page.body)?.[1]
    assert.ok(href, 'the settings page links the download')
    exportUrl = href
    assert.ok(!page.body.includes(await storageKey()), 'the storage key is never shown')
    assert.match(await storageKey(), /^x\/\d+\/[0-9a-f]{32}\.zip$/)

    const { response, bytes } = await download(eve, exportUrl)
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['cache-control']), /private, no-store/)
    assert.match(
      String(response.headers['content-disposition']),
      /attachment; filename="mlkshk-eve-/,
    )
    assert.ok(bytes)
    const files = await unzip(bytes)
    assert.deepEqual(
      [...files.keys()].sort(),
      [
        'account.json',
        'comments.json',
        'follows.json',
        `images/${jpegKey}.jpg`,
        `images/${pngKey}.png`,
        'likes.json',
        'posts.json',
      ].sort(),
      "eve's two originals, not the image she saved from fay",
    )
    // The images are the stored originals, byte for byte.
    for (const [key, name] of [
      [jpegKey, `images/${jpegKey}.jpg`],
      [pngKey, `images/${pngKey}.png`],
    ] as const) {
      const original = await bytesOf(await site.app.fileStore.read(await originalKey(key)))
      assert.ok(files.get(name)?.equals(original), name)
    }
    const read = (name: string) => JSON.parse(files.get(name)?.toString('utf8') ?? 'null')
    assert.equal(read('account.json').name, 'eve')
    assert.equal(read('account.json').email, 'eve@example.com')
    const posts = read('posts.json') as Array<Record<string, unknown>>
    assert.equal(posts.length, 3)
    const jpegPost = posts.find((p) => p.key === jpegKey)
    assert.equal(jpegPost?.title, 'eve <jpeg>')
    assert.equal(jpegPost?.image, `images/${jpegKey}.jpg`)
    const savePost = posts.find((p) => p.savedFrom === fayKey)
    assert.ok(savePost, 'the save is listed with where it came from')
    assert.equal(savePost.image, null)
    assert.deepEqual(
      read('comments.json').map((c: { post: string; body: string }) => [c.post, c.body]),
      [[fayKey, 'eve says "hi" & <waves>']],
    )
    assert.deepEqual(
      read('likes.json').map((l: { post: string; postedBy: string }) => [l.post, l.postedBy]),
      [[fayKey, 'fay']],
    )
    const follows = read('follows.json')
    assert.deepEqual(
      follows.following.map((f: { shake: string }) => f.shake),
      ['fay'],
    )
    assert.deepEqual(
      follows.followers.map((f: { user: string }) => f.user),
      ['fay'],
    )
  })

  it('answers 404 to anyone else and sends visitors to sign in', async () => {
    const other = await fay.get(exportUrl)
    assert.equal(other.statusCode, 404)
    assert.equal(other.headers['x-accel-redirect'], undefined)
    const visitor = await new Browser(site.app).get(exportUrl)
    assert.equal(visitor.statusCode, 302)
    assert.match(String(visitor.headers.location), /^\/sign-in/)
    assert.equal((await eve.get('/account/export/999999')).statusCode, 404)
    assert.equal((await eve.get('/account/export/abc')).statusCode, 404)
    assert.equal((await eve.get(`/${await storageKey()}`)).statusCode, 404)
  })

  it('expires: refused after its time, then removed from storage by the sweep', async () => {
    const key = await storageKey()
    assert.equal(await site.app.fileStore.exists(key), true)
    await db().updateTable('data_export').set({ expires_at: '2020-01-01 00:00:00' }).execute()
    assert.equal((await eve.get(exportUrl)).statusCode, 404)
    assert.doesNotMatch((await eve.get('/account/settings/data')).body, /\/account\/export\/\d+/)
    await runJob(jobContext(site.app), 'sweep', {})
    assert.equal(await site.app.fileStore.exists(key), false)
    assert.equal((await db().selectFrom('data_export').select('id').execute()).length, 0)
  })

  it('builds one export at a time for a user', async () => {
    await site.app.jobs.relay.stop()
    await eve.get('/account/settings/data')
    assert.equal((await eve.post('/account/export', {})).statusCode, 303)
    await eve.get('/account/settings/data')
    assert.match(eve.lastPage?.body ?? '', /being prepared/)
    const twice = await eve.post('/account/export', {})
    assert.equal(twice.statusCode, 409)
    assert.match(twice.body, /already being prepared/)
  })
})
