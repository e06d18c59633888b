// Posting images, in the mode of this run: local files on SQLite, or S3 (s3rver) on MariaDB.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import { listFiles, rawBytes, type Site, storedKeys } from '../helpers/files.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import type { Part } from '../helpers/multipart.js'

function imagePart(data: Buffer, filename = 'image.jpg', contentType = 'image/jpeg'): Part {
  return { name: 'file', value: data, filename, contentType }
}

async function postImage(
  browser: Browser,
  data: Buffer,
  fields: Record<string, string> = {},
  filename?: string,
) {
  await browser.get('/tools/new-post')
  const parts: Part[] = Object.entries(fields).map(([name, value]) => ({ name, value }))
  parts.push(imagePart(data, filename))
  return browser.postMultipart('/upload', parts)
}

function keyOf(response: {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}): string {
  assert.equal(response.statusCode, 302, response.body.slice(0, 400))
  const match = /^\/p\/([0-9A-Z]+)$/.exec(location(response as never) ?? '')
  assert.ok(match, `redirected to a post: ${location(response as never)}`)
  return match[1] as string
}

describe(`posting images (${useS3 ? 'S3 on s3rver' : 'local files'})`, () => {
  let site: Site
  let alice: Browser
  let bob: Browser
  before(async () => {
    site = await createTestSite(
      {
        UPLOAD_MAX_BYTES: String(600 * 1024),
        IMAGE_MAX_FRAMES: '50',
        IMAGE_MAX_PIXELS: '20000000',
        RATE_LIMIT_UPLOAD: '1000/60',
      },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
  })
  after(() => site.close())

  const counts = async () => {
    const db = site.app.db
    const n = async (table: 'sharedfile' | 'sourcefile' | 'shakesharedfile') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    return {
      posts: await n('sharedfile'),
      sources: await n('sourcefile'),
      placed: await n('shakesharedfile'),
    }
  }

  it('posts a JPEG, PNG, animated GIF and WebP, each with a page and raw files', async () => {
    const cases: Array<[Buffer, string, string]> = [
      [await images.jpeg(1600, 1200), 'jpeg', 'image/jpeg'],
      [await images.png(), 'png', 'image/png'],
      [await images.animatedGif(), 'gif', 'image/gif'],
      [await images.webp(), 'webp', 'image/webp'],
    ]
    for (const [data, format, contentType] of cases) {
      const key = keyOf(
        await postImage(alice, data, { title: `A ${format}`, alt_text: `alt for ${format}` }),
      )
      const page = await alice.get(`/p/${key}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, new RegExp(`<h1>A ${format}</h1>`))
      assert.match(page.body, new RegExp(`alt="alt for ${format}"`))
      assert.match(page.body, new RegExp(`src="/r/${key}[^"]*"`))
      assert.match(page.body, /width="\d+" height="\d+"/)
      const raw = await rawBytes(site, key)
      const meta = await sharp(raw, { pages: -1 }).metadata()
      assert.equal(meta.format, format)
      if (format === 'gif') assert.equal(meta.pages, 4, 'the animation is kept')
      const thumb = await sharp(await rawBytes(site, key, 'thumb')).metadata()
      assert.deepEqual(
        [thumb.width, format === 'gif' ? (thumb.pageHeight ?? thumb.height) : thumb.height],
        [100, 100],
      )
      if (site.app.fileStore.kind === 'local') {
        const response = await site.app.inject({ url: `/r/${key}` })
        assert.equal(response.headers['content-type'], contentType)
      }
    }
    // The 1600 px JPEG got both feed widths; the small PNG none (no upscaling).
    const big = await sharp(await rawBytes(site, '1', '1100')).metadata()
    assert.equal(big.width, 1100)
    assert.equal((await sharp(await rawBytes(site, '1', '550')).metadata()).width, 550)
    assert.equal((await sharp(await rawBytes(site, '2', '550')).metadata()).width, 320)
  })

  it('turns an EXIF-rotated phone photo upright and keeps no metadata in any file', async () => {
    const photo = images.jpegWithComment(
      await images.jpeg(400, 200, { orientation: 6, exif: true }),
      'SECRET-COMMENT',
    )
    assert.deepEqual(
      (await images.metadataBlocks(photo)).filter((b) => b !== 'orientation').sort(),
      ['exif', 'iptc', 'xmp'],
      'the fixture carries EXIF (with GPS), XMP and IPTC',
    )
    const key = keyOf(await postImage(alice, photo))
    for (const size of ['', '550', 'small', 'thumb']) {
      const served = await rawBytes(site, key, size)
      assert.deepEqual(await images.metadataBlocks(served), [], `no metadata in /r/${key}/${size}`)
      for (const secret of [
        'SECRET',
        'SecretCam',
        'SERIAL-12345',
        'Exif',
        'Photoshop',
        'xmpmeta',
      ]) {
        assert.ok(!served.includes(secret), `${secret} is gone from /r/${key}/${size}`)
      }
    }
    const original = await rawBytes(site, key)
    const { data, info } = await sharp(original).raw().toBuffer({ resolveWithObject: true })
    assert.deepEqual([info.width, info.height], [200, 400], 'portrait, as the camera was held')
    // The white marker was top-left in the sensor's frame; turned 90° clockwise it is top-right.
    const pixel = (x: number, y: number) => data[(y * info.width + x) * info.channels] as number
    assert.ok(pixel(info.width - 10, 10) > 240, 'marker at top-right')
    assert.ok(pixel(10, 10) < 120, 'no marker at top-left')

    const pngKey = keyOf(
      await postImage(
        alice,
        images.pngWithText(await images.png(), 'Comment', 'SECRET-PNG-TEXT'),
        {},
        'x.png',
      ),
    )
    assert.ok(!(await rawBytes(site, pngKey)).includes('SECRET-PNG-TEXT'))
    const gifKey = keyOf(
      await postImage(
        alice,
        images.gifWithComment(await images.animatedGif(), 'SECRET-GIF-COMMENT'),
        {},
        'x.gif',
      ),
    )
    assert.ok(!(await rawBytes(site, gifKey)).includes('SECRET-GIF-COMMENT'))
  })

  it('stores the same bytes once, however many times they are posted', async () => {
    const data = await images.jpeg(300, 300)
    // Earlier tests' GIFs get videos by a job: let those land first.
    await settle(site.app, 60_000)
    const before = await counts()
    const keysBefore = await storedKeys(site)
    const first = keyOf(await postImage(alice, data))
    await settle(site.app) // its AVIF and WebP, made after the answer
    const afterFirst = await storedKeys(site)
    const second = keyOf(await postImage(bob, data))
    assert.notEqual(first, second)
    const after = await counts()
    assert.equal(after.posts, before.posts + 2)
    assert.equal(after.sources, before.sources + 1)
    assert.ok(afterFirst.length > keysBefore.length)
    assert.deepEqual(
      (await storedKeys(site)).sort(),
      afterFirst.sort(),
      'no new files the second time',
    )
  })

  it('accepts a JPEG with an archive or script appended, and stores only the image', async () => {
    const clean = await images.jpeg(120, 90)
    const polyglot = Buffer.concat([
      clean,
      Buffer.from('PK\u0003\u0004 zip payload <script>alert(1)</script>'),
    ])
    const key = keyOf(await postImage(alice, polyglot))
    const served = await rawBytes(site, key)
    assert.ok(!served.includes('PK\u0003\u0004') && !served.includes('<script>'))
    assert.deepEqual([...served.subarray(-2)], [0xff, 0xd9], 'ends at the end-of-image marker')
  })

  it('ignores hostile file names', async () => {
    for (const filename of [
      '../../etc/passwd.jpg',
      'a'.repeat(400),
      'bell\u0007\u001b[31m.jpg',
      '"><svg onload=alert(1)>.jpg',
      'a.php%00.jpg',
    ]) {
      const key = keyOf(await postImage(alice, await images.jpeg(64, 64), {}, filename))
      const page = await alice.get(`/p/${key}`)
      assert.ok(!page.body.includes('passwd') && !page.body.includes('<svg onload'))
    }
    // Only names the app makes: renditions, and an animated GIF's video and poster.
    const keys = await storedKeys(site)
    const strange = keys.filter(
      (k) =>
        !/^i\/[0-9a-f]{40}\/((original|full|w320|w550|w800|w1100|w1600|small|thumb)\.(jpg|png|gif|webp|avif)|video\.mp4|poster\.webp)$/.test(
          k,
        ),
    )
    assert.deepEqual(strange, [])
  })

  describe('hostile files', () => {
    const cases: Array<[string, () => Promise<Part[]> | Part[], number, RegExp]> = [
      ['an empty file', () => [imagePart(Buffer.alloc(0))], 400, /That file is empty/],
      [
        'no file at all',
        () => [{ name: 'description', value: 'no image here' }],
        400,
        /choose an image/,
      ],
      [
        'a file over the byte limit',
        async () => [
          imagePart(Buffer.concat([await images.jpeg(64, 64), Buffer.alloc(700 * 1024)])),
        ],
        413,
        /larger than/,
      ],
      [
        'two file parts',
        async () => [imagePart(await images.jpeg(32, 32)), imagePart(await images.jpeg(33, 33))],
        400,
        /one image at a time/,
      ],
      [
        'a file in another field',
        async () => [{ ...imagePart(await images.jpeg(32, 32)), name: 'photo' }],
        400,
        /field named &quot;file&quot;/,
      ],
      [
        'HTML named .jpg',
        () => [imagePart(images.html, 'x.jpg')],
        415,
        /not an image or video this site accepts/,
      ],
      [
        'text named .jpg',
        () => [imagePart(Buffer.from('just some text, nothing else'), 'x.jpg')],
        415,
        /not an image/,
      ],
      ['SVG', () => [imagePart(images.svg, 'x.svg', 'image/svg+xml')], 415, /not an image/],
      ['SVG named .png', () => [imagePart(images.svg, 'x.png', 'image/png')], 415, /not an image/],
      [
        'a header claiming 60000×60000',
        () => [imagePart(images.pngClaiming(60000, 60000), 'bomb.png')],
        422,
        /too large/,
      ],
      [
        'an image over the area limit',
        () => [imagePart(images.pngClaiming(5000, 5000), 'big.png')],
        422,
        /megapixels/,
      ],
      [
        'a 100000×1 strip',
        () => [imagePart(images.pngClaiming(100000, 1), 'strip.png')],
        422,
        /sides can be at most/,
      ],
      [
        'a 1×100000 strip',
        () => [imagePart(images.pngClaiming(1, 100000), 'strip.png')],
        422,
        /sides can be at most/,
      ],
      [
        'a GIF with too many frames',
        async () => [imagePart(await images.animatedGif(8, 8, 60), 'many.gif')],
        422,
        /too many frames/,
      ],
      [
        'a truncated JPEG',
        async () => [imagePart((await images.jpeg(800, 600)).subarray(0, 2000))],
        422,
        /damaged or incomplete/,
      ],
      [
        'a truncated PNG',
        async () => [imagePart((await images.png(400, 300)).subarray(0, 60), 'x.png')],
        422,
        /damaged or incomplete/,
      ],
      [
        'a truncated GIF',
        async () => [imagePart((await images.animatedGif(64, 64, 4)).subarray(0, 300), 'x.gif')],
        422,
        /damaged or incomplete/,
      ],
      [
        'a corrupt JPEG',
        async () => {
          const data = Buffer.from(await images.jpeg(200, 200))
          data.fill(0x00, 200, 600)
          return [imagePart(data)]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'a corrupt PNG',
        async () => {
          const data = Buffer.from(await images.png(200, 200))
          data.fill(0x41, 40, 80)
          return [imagePart(data, 'x.png')]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'a corrupt GIF',
        async () => {
          const data = Buffer.from(await images.animatedGif(64, 64, 4))
          data.fill(0x00, 30, data.length - 40)
          return [imagePart(data, 'x.gif')]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'a header-only PNG with no pixels',
        () => [imagePart(images.pngClaiming(400, 400).subarray(0, 33), 'x.png')],
        422,
        /damaged/,
      ],
      [
        'TIFF',
        async () => [imagePart(await images.tiff(), 'x.tif', 'image/tiff')],
        415,
        /not an image/,
      ],
      ['BMP', () => [imagePart(images.bmp, 'x.bmp', 'image/bmp')], 415, /not an image/],
      // HEIC and AVIF photos are accepted (phone-photos.test.ts); this only looks like one.
      [
        'garbage that sniffs as HEIC',
        () => [imagePart(images.heic, 'x.heic', 'image/heic')],
        422,
        /damaged or incomplete/,
      ],
      ['PDF', () => [imagePart(images.pdf, 'x.pdf', 'application/pdf')], 415, /not an image/],
    ]
    for (const [name, makeParts, status, message] of cases) {
      it(`refuses ${name} with ${status}, storing nothing and leaving no temporary file`, async () => {
        await settle(site.app) // earlier uploads' modern formats, made after their answers
        const before = await counts()
        const keysBefore = await storedKeys(site)
        await alice.get('/tools/new-post')
        const response = await alice.postMultipart('/upload', [
          { name: 'title', value: 'kept title' },
          ...(await makeParts()),
        ])
        assert.equal(response.statusCode, status, response.body.slice(0, 300))
        assert.match(response.body, message)
        assert.match(response.body, /value="kept title"/, 'what was typed is kept')
        assert.deepEqual(await counts(), before)
        assert.deepEqual((await storedKeys(site)).sort(), keysBefore.sort())
        assert.deepEqual(await listFiles(site.config.tmpDir), [])
        assert.equal((await site.app.inject({ url: '/healthy/is-healthy' })).body, 'OK')
      })
    }
  })

  it('serves raw files with safe, cacheable headers', async () => {
    const key = keyOf(await postImage(alice, await images.jpeg(700, 500)))
    const response = await site.app.inject({ url: `/r/${key.toLowerCase()}` })
    assert.equal(response.statusCode, 200, 'keys are case-insensitive')
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
    assert.match(String(response.headers['content-security-policy']), /^default-src 'none'/)
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable')
    assert.equal(response.headers['cross-origin-resource-policy'], 'cross-origin')
    assert.equal(response.headers['set-cookie'], undefined)
    if (site.app.fileStore.kind === 'local') {
      assert.equal(response.headers['content-type'], 'image/jpeg')
      const etag = String(response.headers.etag)
      assert.ok(etag)
      const again = await site.app.inject({ url: `/r/${key}`, headers: { 'if-none-match': etag } })
      assert.equal(again.statusCode, 304)
      const range = await site.app.inject({ url: `/r/${key}`, headers: { range: 'bytes=0-9' } })
      assert.equal(range.statusCode, 206)
      assert.equal(range.rawPayload.length, 10)
      assert.deepEqual([...range.rawPayload.subarray(0, 2)], [0xff, 0xd8])
      const head = await site.app.inject({ method: 'HEAD', url: `/r/${key}` })
      assert.equal(head.statusCode, 200)
      assert.equal(head.body, '')
      assert.equal(head.headers['content-length'], response.headers['content-length'])
    } else {
      assert.match(String(response.headers['x-presigned-url']), /X-Amz-Signature=/)
    }
    // MLTSHP's links carry an extension: any image extension names the same file.
    for (const extension of ['jpg', 'JPG', 'jpeg', 'png', 'gif', 'webp']) {
      const named = await site.app.inject({ url: `/r/${key}.${extension}` })
      assert.equal(named.statusCode, 200, extension)
      assert.equal(named.headers.etag, response.headers.etag, extension)
      assert.equal(named.headers['content-length'], response.headers['content-length'])
    }
    for (const url of [
      `/r/${key}.`,
      `/r/${key}.jpg.png`,
      `/r/${key}.toolong`,
      `/r/${key}/huge`,
      '/r/ZZZZZZZZZZ',
      '/r/not-a-key!',
      '/r/..%2f..%2fetc%2fpasswd',
      '/p/0',
    ]) {
      assert.equal((await site.app.inject({ url })).statusCode, 404, url)
    }
  })

  it('answers scripts with JSON', async () => {
    await alice.get('/tools/new-post')
    const ok = await alice.postMultipart(
      '/upload',
      [imagePart(await images.png(50, 50), 'x.png')],
      {
        headers: { accept: 'application/json' },
      },
    )
    assert.equal(ok.statusCode, 201)
    assert.match(ok.json().key, /^[0-9A-Z]+$/)
    const bad = await alice.postMultipart('/upload', [imagePart(images.svg)], {
      headers: { accept: 'application/json' },
    })
    assert.equal(bad.statusCode, 415)
    assert.match(bad.json().error, /not an image/)
  })

  it('lets only the owner edit and delete, with CSRF', async () => {
    const key = keyOf(
      await postImage(alice, await images.jpeg(90, 90), {
        title: 'before',
        description: 'see https://example.com/x. ok',
      }),
    )
    const page = await alice.get(`/p/${key}`)
    assert.match(
      page.body,
      /<a href="https:\/\/example\.com\/x" rel="nofollow noopener ugc">https:\/\/example\.com\/x<\/a>\./,
    )
    const edited = await alice.post(`/p/${key}/edit`, {
      title: '<b>after</b>',
      description: '<script>alert(1)</script> https://example.com/"onmouseover="x',
      alt_text: 'a test image',
    })
    assert.equal(edited.statusCode, 303)
    const shown = await alice.get(`/p/${key}`)
    assert.match(shown.body, /&lt;b&gt;after&lt;\/b&gt;/)
    assert.doesNotMatch(shown.body, /<script>alert|onmouseover="x/)
    assert.match(shown.body, /alt="a test image"/)

    const tooLong = await alice.post(`/p/${key}/edit`, {
      title: 't'.repeat(300),
      description: '',
      alt_text: '',
    })
    assert.equal(tooLong.statusCode, 400)
    assert.match(tooLong.body, /at most 255 characters/)

    await bob.get(`/p/${key}`)
    assert.doesNotMatch(bob.lastPage?.body ?? '', /Delete this post/)
    const bobEdit = await bob.post(`/p/${key}/edit`, {
      title: 'mine now',
      description: '',
      alt_text: '',
    })
    assert.equal(bobEdit.statusCode, 403)
    assert.equal((await bob.post(`/p/${key}/delete`, {})).statusCode, 403)
    assert.equal((await alice.post(`/p/${key}/delete`, {}, { csrf: false })).statusCode, 403)
    const anonymous = await site.app.inject({ method: 'POST', url: `/p/${key}/delete` })
    assert.equal(anonymous.statusCode, 403)
    assert.match((await alice.get(`/p/${key}`)).body, /&lt;b&gt;after/)

    await alice.get(`/p/${key}`)
    const deleted = await alice.post(`/p/${key}/delete`, {})
    assert.equal(deleted.statusCode, 303)
    assert.equal((await alice.get(`/p/${key}`)).statusCode, 404)
    assert.equal((await site.app.inject({ url: `/r/${key}` })).statusCode, 404)
    assert.equal((await alice.post(`/p/${key}/delete`, {})).statusCode, 404)
  })

  it('needs a signed-in user and a CSRF token to post', async () => {
    const anonymous = await site.app.inject({ url: '/tools/new-post' })
    assert.equal(anonymous.statusCode, 302)
    assert.equal(location(anonymous), '/sign-in?next=%2Ftools%2Fnew-post')
    const before = await counts()
    await alice.get('/tools/new-post')
    const noToken = await alice.postMultipart('/upload', [imagePart(await images.jpeg(40, 40))], {
      csrf: false,
    })
    assert.equal(noToken.statusCode, 403)
    assert.deepEqual(await counts(), before)
    // The modern formats of earlier uploads are made after their answers, in the temp folder.
    await settle(site.app)
    assert.deepEqual(await listFiles(site.config.tmpDir), [])
    const otherShake = await postImage(alice, await images.jpeg(40, 41), { shake_id: '999999' })
    assert.equal(otherShake.statusCode, 403)
    assert.match(otherShake.body, /cannot post to that shake/)
  })

  it('pages through a shake with before and after keys', async () => {
    const carol = await signUp(site.app, 'carol')
    const data = await images.png(30, 30)
    const keys: string[] = []
    for (let i = 0; i < 12; i++)
      keys.push(keyOf(await postImage(carol, data, { title: `carol ${i}` })))
    const newestPage = Array.from({ length: 10 }, (_, i) => `carol ${11 - i}`)
    const first = await carol.get('/user/carol')
    const titles = (body: string) =>
      [...body.matchAll(/<h3><a href="\/p\/[0-9A-Z]+">(carol \d+)<\/a><\/h3>/g)].map((m) => m[1])
    assert.deepEqual(titles(first.body), newestPage)
    assert.match(first.body, new RegExp(`href="/user/carol/before/${keys[2]}" rel="next"`))
    assert.doesNotMatch(first.body, /rel="prev"/)
    const older = await carol.get(`/user/carol/before/${keys[2]}`)
    assert.deepEqual(titles(older.body), ['carol 1', 'carol 0'])
    assert.match(older.body, new RegExp(`href="/user/carol/after/${keys[1]}" rel="prev"`))
    assert.doesNotMatch(older.body, /rel="next"/)
    const newer = await carol.get(`/user/carol/after/${keys[1]}`)
    assert.deepEqual(titles(newer.body), newestPage)
    assert.match(newer.body, /rel="next"/)
    assert.doesNotMatch(newer.body, /rel="prev"/, 'nothing newer than the newest page')
    assert.equal((await carol.get('/user/carol/before/!!')).statusCode, 404)
    assert.match(first.body, /loading="lazy"/)
  })
})

describe('upload limits', () => {
  let site: Site
  before(async () => {
    site = await createTestSite({ UPLOAD_MONTHLY_QUOTA_BYTES: '2000', RATE_LIMIT_UPLOAD: '3/60' })
  })
  after(() => site.close())

  it('enforces the monthly quota and the upload rate, with readable pages', async () => {
    const dave = await signUp(site.app, 'dave')
    const small = await images.png(40, 40)
    assert.equal((await postImage(dave, small)).statusCode, 302)
    const big = await images.noisyJpeg(200, 200)
    assert.ok(big.length > 4000)
    const overQuota = await postImage(dave, big)
    assert.equal(overQuota.statusCode, 403)
    assert.match(overQuota.body, /monthly limit is/)
    assert.equal((await postImage(dave, small)).statusCode, 302, 'a small one still fits')
    const limited = await postImage(dave, small)
    assert.equal(limited.statusCode, 429)
    assert.ok(Number(limited.headers['retry-after']) > 0)
    assert.match(limited.body, /Too many attempts/)
    // Limits are per user: someone else can still post.
    const erin = await signUp(site.app, 'erin')
    assert.equal((await postImage(erin, small)).statusCode, 302)
  })
})
