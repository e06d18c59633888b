// Renditions in modern formats at widths that fit (issue 19): every still image gets its
// fallback (JPEG, or PNG where that is smaller) at each responsive width below its own, AVIF
// and WebP beside them from the media job, served at /r/KEY/SIZE.EXT and offered by <picture>;
// older images get theirs from the backfill walk. Local files on SQLite, S3 on MariaDB.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { readCursor, saveCursor } from '../../src/repositories/maintenance-cursors.js'
import { findSourcefileBySha1, type Rendition } from '../../src/repositories/sourcefiles.js'
import { backfillRenditions } from '../../src/services/modern-renditions.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import { fetchStored, type Site, storedKeys } from '../helpers/files.js'
import { jobContext, settle } from '../helpers/jobs.js'

/** A photo-like JPEG: smoothed noise compresses as a picture does. */
async function photo(width: number, height: number): Promise<Buffer> {
  const { data, info } = await sharp({
    create: {
      width: Math.ceil(width / 4),
      height: Math.ceil(height / 4),
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .blur(1.2)
    .raw()
    .toBuffer({ resolveWithObject: true })
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .resize(width, height)
    .jpeg({ quality: 90 })
    .toBuffer()
}

/** Flat line art: a few solid shapes on white, opaque (raw pixels: sharp reads no SVG here). */
function lineArt(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3, 255)
  const colours = [
    [0, 0, 0],
    [200, 0, 0],
    [0, 90, 200],
  ]
  for (let i = 0; i < 12; i++) {
    const [r, g, b] = colours[i % 3] as number[]
    const x0 = (i * 70) % width
    const y0 = (i * 37) % height
    for (let y = y0; y < Math.min(height, y0 + 40 + i * 9); y++)
      for (let x = x0; x < Math.min(width, x0 + 60); x++) {
        const at = (y * width + x) * 3
        raw[at] = r as number
        raw[at + 1] = g as number
        raw[at + 2] = b as number
      }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

/** Noise as an opaque PNG: a photo in a PNG, which JPEG keeps in far fewer bytes. */
async function photoPng(width: number, height: number): Promise<Buffer> {
  return sharp(await photo(width, height))
    .png()
    .toBuffer()
}

async function post(browser: Browser, data: Buffer, filename: string, contentType: string) {
  await browser.get('/tools/new-post')
  const response = await browser.postMultipart('/upload', [
    { name: 'file', value: data, filename, contentType },
  ])
  assert.equal(response.statusCode, 302, response.body.slice(0, 300))
  return (location(response) ?? '').replace('/p/', '')
}

const sha1 = (data: Buffer) =>
  import('node:crypto').then(({ createHash }) => createHash('sha1').update(data).digest('hex'))

const slots = (renditions: Rendition[]) =>
  renditions.map((r) => `${r.name}.${r.format ?? '-'}:${r.width}`).sort()

describe(`modern renditions (${useS3 ? 'S3 on s3rver' : 'local files'})`, () => {
  let site: Site
  let alice: Browser
  const photoBytes = photo(1700, 1275)
  before(async () => {
    site = await createTestSite(
      { UPLOAD_MAX_BYTES: String(8 * 1024 * 1024), RATE_LIMIT_UPLOAD: '1000/60' },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
  })
  after(() => site.close())

  it('makes a photo JPEG, AVIF and WebP at every width below its own, never upscaled', async () => {
    const data = await photoBytes
    await post(alice, data, 'photo.jpg', 'image/jpeg')
    const answered = await findSourcefileBySha1(site.app.db, await sha1(data))
    assert.ok(answered)
    // The upload's answer carries the fallbacks; the modern formats come from the media job.
    assert.deepEqual(
      answered.renditions.filter((r) => r.format === 'avif' || r.format === 'webp'),
      [],
    )
    await settle(site.app, 120_000)
    const stored = await findSourcefileBySha1(site.app.db, await sha1(data))
    const widths = [320, 550, 800, 1100, 1600]
    assert.deepEqual(
      slots(stored?.renditions ?? []),
      [
        'original.jpeg:1700',
        'small.jpeg:267',
        'thumb.jpeg:100',
        ...widths.flatMap((w) => ['avif', 'jpeg', 'webp'].map((f) => `w${w}.${f}:${w}`)),
      ].sort(),
    )
    const keys = await storedKeys(site)
    for (const r of stored?.renditions ?? []) assert.ok(keys.includes(r.key), r.key)
    // A smaller photo: its own width stands in for the widths above it, in every format.
    const small = await photo(700, 500)
    await post(alice, small, 'small.jpg', 'image/jpeg')
    await settle(site.app, 120_000)
    const smallStored = await findSourcefileBySha1(site.app.db, await sha1(small))
    assert.deepEqual(
      slots(smallStored?.renditions ?? []),
      [
        'original.jpeg:700',
        'full.avif:700',
        'full.webp:700',
        'small.jpeg:270',
        'thumb.jpeg:100',
        ...[320, 550].flatMap((w) => ['avif', 'jpeg', 'webp'].map((f) => `w${w}.${f}:${w}`)),
      ].sort(),
    )
    // AVIF of a photo is far smaller than its JPEG.
    const w1100 = (format: string) =>
      stored?.renditions.find((r) => r.name === 'w1100' && r.format === format)?.size ?? 0
    assert.ok(w1100('avif') < w1100('jpeg') * 0.8, `${w1100('avif')} vs ${w1100('jpeg')}`)
  })

  it('keeps PNG for flat line art only, where it is smaller than JPEG', async () => {
    const art = await lineArt(900, 600)
    await post(alice, art, 'art.png', 'image/png')
    const noisy = await photoPng(900, 600)
    await post(alice, noisy, 'photo.png', 'image/png')
    await settle(site.app, 120_000)
    const artStored = await findSourcefileBySha1(site.app.db, await sha1(art))
    const noisyStored = await findSourcefileBySha1(site.app.db, await sha1(noisy))
    const fallbackFormats = (renditions: Rendition[] = []) =>
      new Set(
        renditions
          .filter((r) => /^w\d+$/.test(r.name) && r.format !== 'avif' && r.format !== 'webp')
          .map((r) => r.format),
      )
    assert.deepEqual(fallbackFormats(artStored?.renditions), new Set(['png']))
    assert.deepEqual(fallbackFormats(noisyStored?.renditions), new Set(['jpeg']))
    // The original stays what was uploaded.
    assert.equal(
      noisyStored?.renditions.find((r) => r.name === 'original')?.key.endsWith('.png'),
      true,
    )
    // Line art in WebP is lossless: no smeared edges.
    const artWebp = artStored?.renditions.find((r) => r.name === 'w320' && r.format === 'webp')
    assert.ok(artWebp)
    const webpBytes = await fetchStored(site, `/r/${await keyOfSha(await sha1(art))}/320.webp`)
    const pngBytes = await fetchStored(site, `/r/${await keyOfSha(await sha1(art))}/320.png`)
    const [a, b] = await Promise.all(
      [webpBytes, pngBytes].map((bytes) => sharp(bytes).raw().toBuffer()),
    )
    assert.ok(a?.equals(b as Buffer), 'lossless WebP has the same pixels as the PNG')
  })

  async function keyOfSha(hash: string): Promise<string> {
    const row = await site.app.db
      .selectFrom('sharedfile')
      .innerJoin('sourcefile', 'sourcefile.id', 'sharedfile.sourcefile_id')
      .select('sharedfile.id')
      .where('sourcefile.sha1', '=', hash)
      .executeTakeFirstOrThrow()
    const { shareKey } = await import('../../src/services/share-keys.js')
    return shareKey(row.id)
  }

  it('serves /r/KEY/SIZE.EXT with its type and a year of caching, and 404 for what does not exist', async () => {
    const key = await keyOfSha(await sha1(await photoBytes))
    for (const [path, type, format] of [
      ['550.avif', 'image/avif', 'heif'],
      ['1600.webp', 'image/webp', 'webp'],
      ['800.jpg', 'image/jpeg', 'jpeg'],
      ['320', 'image/jpeg', 'jpeg'],
      ['1100', 'image/jpeg', 'jpeg'],
    ] as const) {
      const response = await site.app.inject({ url: `/r/${key}/${path}` })
      assert.equal(response.statusCode, 200, path)
      assert.equal(response.headers['content-type'], type, path)
      assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.equal(response.headers['x-content-type-options'], 'nosniff')
      assert.equal(response.headers.vary, undefined, 'one answer for everybody')
      if (useS3) assert.match(String(response.headers['x-accel-redirect']), /^\/_files\/i\//)
      const bytes = await fetchStored(site, `/r/${key}/${path}`)
      assert.equal((await sharp(bytes).metadata()).format, format, path)
    }
    for (const path of [
      '550.png', // not this image's fallback
      'full.avif', // the photo is wider than the largest width
      '1700.avif',
      '999.webp',
      '550.AVIF',
      '550.avif.jpg',
      '550.avif%00',
      '..%2f550.avif',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'small.avif',
      '550.exe',
    ]) {
      assert.equal((await site.app.inject({ url: `/r/${key}/${path}` })).statusCode, 404, path)
    }
    assert.equal((await site.app.inject({ url: `/r/${key}/550/avif` })).statusCode, 404)
  })

  it('offers <picture> with AVIF and WebP, sizes and dimensions; the first image first', async () => {
    const page = await alice.get('/user/alice')
    assert.equal(page.statusCode, 200)
    const pictures = [...page.body.matchAll(/<picture>([\s\S]*?)<\/picture>/g)].map(
      (m) => m[1] ?? '',
    )
    assert.ok(pictures.length >= 4, `${pictures.length} pictures`)
    for (const [index, picture] of pictures.entries()) {
      assert.match(
        picture,
        /<source type="image\/avif" srcset="[^"]+ 320w, [^"]+" sizes="\(max-width: 640px\)/,
      )
      assert.match(picture, /<source type="image\/webp" srcset="[^"]+\.webp 320w/)
      const img = /<img [^>]*>/.exec(picture)?.[0] ?? ''
      assert.match(img, / srcset="[^"]+ 320w/)
      assert.match(
        img,
        / sizes="\(max-width: 640px\) and \(min-resolution: 2\.5dppx\) calc\(\(100vw - 26px\) \* 2 \/ 3\), \(max-width: 640px\) calc\(100vw - 26px\), \(max-width: 752px\) calc\(100vw - 34px\), 718px"/,
      )
      assert.match(img, / width="\d+" height="\d+"/)
      if (index === 0) {
        assert.match(img, /loading="eager" fetchpriority="high"/)
        assert.doesNotMatch(img, /lazy/)
      } else {
        assert.match(img, /loading="lazy" decoding="async"/)
        assert.doesNotMatch(img, /fetchpriority/)
      }
    }
    // The 1700-wide photo's srcset stops at 1600: the original is only linked.
    assert.ok(page.body.includes('/1600.avif 1600w'))
    // A page fetched to be appended ("Load more") has no first image of its own.
    const fragment = await alice.get('/user/alice', { 'x-fragment': '1' })
    assert.doesNotMatch(fragment.body, /fetchpriority/)

    const key = await keyOfSha(await sha1(await photoBytes))
    const postPage = await alice.get(`/p/${key}`)
    const picture = /<picture>([\s\S]*?)<\/picture>/.exec(postPage.body)?.[1] ?? ''
    assert.match(picture, /<source type="image\/avif" srcset="[^"]*\/r\/[0-9A-Z]+\/320\.avif 320w/)
    assert.match(picture, /<img src="[^"]*\/1100\.jpg" srcset="[^"]+" sizes="[^"]*716px"/)
    assert.match(picture, /width="1100" height="825"/)
    assert.match(picture, /loading="eager" fetchpriority="high"/)
  })

  it('backfills old images from its cursor, a bounded number per run', async () => {
    const ctx = jobContext(site.app)
    const made: Buffer[] = []
    for (const [w, h] of [
      [900, 600],
      [901, 600],
      [902, 600],
    ] as const) {
      const data = await photo(w, h)
      await post(alice, data, 'old.jpg', 'image/jpeg')
      made.push(data)
    }
    await settle(site.app, 120_000)
    // Make them as the site stored images before: 550 and 1100 in the image's format only.
    const ids: number[] = []
    for (const data of made) {
      const stored = await findSourcefileBySha1(site.app.db, await sha1(data))
      assert.ok(stored)
      const old = stored.renditions
        .filter((r) => ['original', 'w550', 'small', 'thumb'].includes(r.name))
        .filter((r) => r.format !== 'avif' && r.format !== 'webp')
        .map(({ format: _, ...r }) => r)
      await site.app.db
        .updateTable('sourcefile')
        .set({ renditions: JSON.stringify(old) })
        .where('id', '=', stored.id)
        .execute()
      ids.push(stored.id)
    }
    await saveCursor(site.app.db, 'renditions-backfill', (ids[0] as number) - 1)

    const first = await backfillRenditions(ctx, { perRun: 2, scanPerRun: 100, pageSize: 1 })
    assert.deepEqual(first, { completed: 2, scanned: 2, failed: 0 })
    assert.equal(await readCursor(site.app.db, 'renditions-backfill'), ids[1])
    const third = async () =>
      (await findSourcefileBySha1(site.app.db, await sha1(made[2] as Buffer)))?.renditions ?? []
    assert.equal((await third()).length, 4, 'the third waits for the next run')

    const second = await backfillRenditions(ctx, { perRun: 2, scanPerRun: 100, pageSize: 10 })
    assert.equal(second.completed, 1)
    assert.equal(second.failed, 0)
    // Past the last image the walk starts again from the first.
    assert.equal(await readCursor(site.app.db, 'renditions-backfill'), 0)
    for (const data of made) {
      const stored = await findSourcefileBySha1(site.app.db, await sha1(data))
      const names = slots(stored?.renditions ?? [])
      for (const slot of [
        'w320.jpeg:320',
        'w800.jpeg:800',
        'w320.avif:320',
        'w550.avif:550',
        'w800.webp:800',
        'full.avif',
        'full.webp',
      ])
        assert.ok(
          names.some((n) => n.startsWith(slot)),
          `${slot} in ${names.join(' ')}`,
        )
      // The old 550 is kept as it was: its address is already in caches.
      assert.ok(names.includes('w550.-:550'))
    }
    // Nothing left to do: a run looks and makes nothing.
    const third2 = await backfillRenditions(ctx, { perRun: 2, scanPerRun: 100, pageSize: 10 })
    assert.equal(third2.completed, 0)
  })
})
