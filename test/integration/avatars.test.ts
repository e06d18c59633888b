// Profile pictures go through the same hostile-file pipeline as posts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { fetchStored, listFiles, type Site, storedKeys } from '../helpers/files.js'
import * as images from '../helpers/images.js'

describe(`avatars (${useS3 ? 'S3' : 'local files'})`, () => {
  let site: Site
  let alice: Browser
  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' }, { s3: useS3 })
    alice = await signUp(site.app, 'alice')
  })
  after(() => site.close())

  async function upload(data: Buffer, filename = 'me.jpg') {
    await alice.get('/account/settings/profile')
    return alice.postMultipart('/account/settings/profile/photo', [
      { name: 'photo', value: data, filename, contentType: 'image/jpeg' },
    ])
  }

  const avatarUrl = async () => {
    const page = await alice.get('/user/alice')
    return /<img class="avatar" src="(\/a\/\d+\/[0-9a-f]{40}\.jpg)"/.exec(page.body)?.[1]
  }

  it('crops any accepted image to a 200×200 JPEG without metadata, and replaces it', async () => {
    const response = await upload(await images.jpeg(600, 300, { exif: true }))
    assert.equal(response.statusCode, 303, response.body.slice(0, 300))
    const url = await avatarUrl()
    assert.ok(url, 'the profile shows the picture')
    const bytes = await fetchStored(site, url)
    const meta = await sharp(bytes).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 200, 200])
    assert.deepEqual(await images.metadataBlocks(bytes), [])
    // Centre crop: the white marker at the top-left of the wide original is cut away.
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true })
    assert.ok((data[(5 * info.width + 5) * info.channels] as number) < 150)

    assert.equal((await upload(await images.png(300, 300), 'me.png')).statusCode, 303)
    const newUrl = await avatarUrl()
    assert.notEqual(newUrl, url)
    assert.equal(
      (await site.app.inject({ url: url as string })).statusCode,
      404,
      'the old picture is gone',
    )
    assert.equal((await storedKeys(site)).filter((k) => k.startsWith('a/')).length, 1)
  })

  it('refuses hostile files with a readable message and keeps the old picture', async () => {
    const before = await avatarUrl()
    for (const [data, status] of [
      [images.svg, 415],
      [images.html, 415],
      [images.pngClaiming(60000, 60000), 422],
      [Buffer.alloc(0), 400],
    ] as const) {
      const response = await upload(data)
      assert.equal(response.statusCode, status)
      assert.match(response.body, /class="form-error"/)
    }
    assert.equal(await avatarUrl(), before)
    assert.deepEqual(await listFiles(site.config.tmpDir), [])
  })

  it('removes the picture', async () => {
    await alice.get('/account/settings/profile')
    assert.equal((await alice.post('/account/settings/profile/photo/delete', {})).statusCode, 303)
    assert.equal(await avatarUrl(), undefined)
    assert.equal((await storedKeys(site)).filter((k) => k.startsWith('a/')).length, 0)
    for (const url of ['/a/1/../../etc/passwd', '/a/x/abc.jpg', `/a/1/${'0'.repeat(40)}.jpg`]) {
      assert.equal((await site.app.inject({ url })).statusCode, 404, url)
    }
  })
})
