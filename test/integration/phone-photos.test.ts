// Photos from phones: HEIC (decoded by libheif's tool in a child process) and AVIF (decoded by
// sharp) are posted by the form, the API and from a URL, and stored and served as JPEG,
// upright and without metadata. Hostile HEIF files are refused like any other image.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { signUp } from '../helpers/accounts.js'
import { apiClient, grantTokens, registerApp } from '../helpers/api.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import { listFiles, rawBytes, type Site, storedKeys } from '../helpers/files.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import type { Part } from '../helpers/multipart.js'
import * as phone from '../helpers/phone-photos.js'

const SECRETS = ['SECRET', 'SecretCam', 'SERIAL-12345', 'Exif', 'xmpmeta']

function filePart(data: Buffer, filename: string, contentType: string): Part {
  return { name: 'file', value: data, filename, contentType }
}

async function upload(browser: Browser, parts: Part[]) {
  await browser.get('/tools/new-post')
  return browser.postMultipart('/upload', [{ name: 'title', value: 'kept title' }, ...parts])
}

function keyOf(response: { statusCode: number; body: string }): string {
  assert.equal(response.statusCode, 302, response.body.slice(0, 400))
  const match = /^\/p\/([0-9A-Z]+)$/.exec(location(response as never) ?? '')
  assert.ok(match, 'redirected to the post')
  return match[1] as string
}

/** The white marker of images.jpeg, after a 90° clockwise turn, is at the top-right. */
async function assertTurnedClockwise(image: Buffer, width: number, height: number) {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true })
  assert.deepEqual([info.width, info.height], [width, height], 'portrait, as the phone was held')
  const pixel = (x: number, y: number) => data[(y * info.width + x) * info.channels] as number
  assert.ok(pixel(info.width - 10, 10) > 220, 'marker at top-right')
  assert.ok(pixel(10, 10) < 140, 'no marker at top-left')
}

describe(`phone photos: HEIC and AVIF (${useS3 ? 'S3' : 'local files'})`, () => {
  let site: Site
  let alice: Browser
  let web: Server
  let webUrl: string
  const served: Record<string, Buffer> = {}

  before(async () => {
    web = createServer((req, res) => {
      const body = served[req.url ?? '']
      if (!body) return res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body)
    })
    web.listen(0, '127.0.0.2')
    await once(web, 'listening')
    webUrl = `http://127.0.0.2:${(web.address() as AddressInfo).port}`
    site = await createTestSite(
      {
        IMAGE_MAX_FRAMES: '2',
        RATE_LIMIT_UPLOAD: '1000/60',
        URL_FETCH_ALLOWED_ADDRESSES: '127.0.0.2/32',
      },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
  })
  after(async () => {
    web.close()
    await site.close()
  })

  it('posts a HEIC as JPEG renditions, with no metadata in any of them', async () => {
    const photo = await phone.heic(await images.jpeg(1600, 1200, { exif: true }))
    assert.ok(photo.includes('SecretCam') && photo.includes('SECRET-XMP'), 'the HEIC has both')
    const key = keyOf(await upload(alice, [filePart(photo, 'IMG_0001.HEIC', 'image/heic')]))
    const page = await alice.get(`/p/${key}`)
    assert.match(page.body, /1600×1200/)
    const sizes = { '': 1600, '1100': 1100, '550': 550, small: 267, thumb: 100 }
    for (const [size, width] of Object.entries(sizes)) {
      const bytes = await rawBytes(site, key, size)
      const meta = await sharp(bytes).metadata()
      assert.deepEqual([meta.format, meta.width], ['jpeg', width], `/r/${key}/${size}`)
      assert.deepEqual(await images.metadataBlocks(bytes), [], `no metadata in /${size}`)
      for (const secret of SECRETS) assert.ok(!bytes.includes(secret), `${secret} in /${size}`)
    }
    if (site.app.fileStore.kind === 'local') {
      const raw = await site.app.inject({ url: `/r/${key}` })
      assert.equal(raw.headers['content-type'], 'image/jpeg')
    }
    const source = await site.app.db
      .selectFrom('sourcefile')
      .select(['format', 'content_type', 'width', 'height'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    assert.deepEqual(source, {
      format: 'jpeg',
      content_type: 'image/jpeg',
      width: 1600,
      height: 1200,
    })
    // The AVIF and WebP copies come from the media job after the answer.
    await settle(site.app)
    const keys = (await storedKeys(site)).filter((k) => !k.startsWith('a/'))
    assert.ok(
      keys.every((k) => /\.(jpg|avif|webp)$/.test(k)) && keys.some((k) => k.endsWith('.avif')),
      'every stored file is a JPEG, or its AVIF and WebP copies',
    )
    assert.deepEqual(await listFiles(site.config.tmpDir), [], 'the decoded PNG is gone')
  })

  it('turns a HEIC upright by its irot, and not again by the EXIF orientation it carries', async () => {
    // As an iPhone writes it: the pixels as the sensor saw them, an irot turning them 90°
    // clockwise (270° anticlockwise), and an EXIF orientation 6 saying the same.
    const photo = phone.rotated(
      await phone.heic(await images.jpeg(400, 200, { orientation: 6, exif: true })),
      3,
    )
    const key = keyOf(await upload(alice, [filePart(photo, 'IMG_0002.HEIC', 'image/heic')]))
    await assertTurnedClockwise(await rawBytes(site, key), 200, 400)
    const small = await sharp(await rawBytes(site, key, 'small')).metadata()
    assert.deepEqual([small.width, small.height], [100, 200])
  })

  it('posts an AVIF as JPEG, upright, without metadata', async () => {
    const photo = await phone.avif(await images.jpeg(400, 200, { exif: true }), {
      orientation: 6,
    })
    assert.ok(photo.includes('SecretCam'), 'the AVIF carries the EXIF')
    const key = keyOf(await upload(alice, [filePart(photo, 'x.avif', 'image/avif')]))
    const original = await rawBytes(site, key)
    await assertTurnedClockwise(original, 200, 400)
    assert.deepEqual(await images.metadataBlocks(original), [])
    for (const secret of SECRETS) assert.ok(!original.includes(secret), secret)
  })

  it('posts HEIC and AVIF through the API and from a URL', async () => {
    const client = await registerApp(alice)
    const api = apiClient(site.app, (await grantTokens(site.app, alice, client)).access)
    const heic = await phone.heic(await images.jpeg(120, 90))
    const avif = await phone.avif(await images.jpeg(90, 120))
    for (const [data, name] of [
      [heic, 'p.heic'],
      [avif, 'p.avif'],
    ] as const) {
      const posted = await api.upload([filePart(data, name, 'application/octet-stream')])
      assert.equal(posted.status, 201, JSON.stringify(posted.body))
      assert.equal(posted.body.name, name)
      const meta = await sharp(await rawBytes(site, posted.body.sharekey)).metadata()
      assert.deepEqual([meta.format, meta.width], ['jpeg', name === 'p.heic' ? 120 : 90])
    }
    served['/IMG_0003.HEIC'] = await phone.heic(await images.jpeg(140, 100))
    served['/photo.avif'] = await phone.avif(await images.jpeg(100, 140))
    for (const [path, width] of [
      ['/IMG_0003.HEIC', 140],
      ['/photo.avif', 100],
    ] as const) {
      await alice.get('/tools/new-post')
      const key = keyOf(await alice.post('/tools/p', { url: `${webUrl}${path}`, title: '' }))
      const meta = await sharp(await rawBytes(site, key)).metadata()
      assert.deepEqual([meta.format, meta.width], ['jpeg', width], path)
    }
  })

  it('makes a profile picture of a HEIC', async () => {
    await alice.get('/account/settings/profile')
    const response = await alice.postMultipart('/account/settings/profile/photo', [
      {
        name: 'photo',
        value: await phone.heic(await images.jpeg(300, 200)),
        filename: 'me.heic',
        contentType: 'image/heic',
      },
    ])
    assert.equal(response.statusCode, 303, response.body.slice(0, 300))
    const page = await alice.get('/user/alice')
    assert.match(page.body, /<img class="avatar" src="\/a\/\d+\/[0-9a-f]{40}\.jpg"/)
  })

  describe('hostile HEIF files', () => {
    const cases: Array<[string, () => Promise<Part[]>, number, RegExp]> = [
      [
        'a HEIC whose header claims 60000×60000',
        async () => {
          const photo = phone.claimingSize(
            await phone.heic(await images.jpeg(64, 48)),
            60000,
            60000,
          )
          return [filePart(photo, 'huge.heic', 'image/heic')]
        },
        422,
        /too large/,
      ],
      [
        'a HEIC whose header claims 10000×10000 (over the area limit, under the sides)',
        async () => {
          const photo = phone.claimingSize(
            await phone.heic(await images.jpeg(64, 48)),
            10000,
            10000,
          )
          return [filePart(photo, 'big.heic', 'image/heic')]
        },
        422,
        /megapixels/,
      ],
      [
        'a HEIC whose header claims another size than its pixels have',
        async () => {
          const photo = phone.claimingSize(await phone.heic(await images.jpeg(64, 48)), 100, 80)
          return [filePart(photo, 'liar.heic', 'image/heic')]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'a truncated HEIC',
        async () => {
          const photo = await phone.heic(await images.noisyJpeg(320, 240))
          return [
            filePart(photo.subarray(0, Math.floor(photo.length * 0.6)), 'cut.heic', 'image/heic'),
          ]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'garbage that sniffs as HEIC',
        async () => [filePart(images.heic, 'x.heic', 'image/heic')],
        422,
        /damaged or incomplete/,
      ],
      [
        'a HEIC holding more images than the frame limit',
        async () => [
          filePart(
            await phone.heic(await images.jpeg(32, 32), { images: 3 }),
            'burst.heic',
            'image/heic',
          ),
        ],
        422,
        /too many images: at most 2/,
      ],
      [
        'a truncated AVIF',
        async () => {
          const photo = await phone.avif(await images.noisyJpeg(320, 240))
          return [
            filePart(photo.subarray(0, Math.floor(photo.length * 0.6)), 'cut.avif', 'image/avif'),
          ]
        },
        422,
        /damaged or incomplete/,
      ],
      [
        'a JPEG that is a HEIF file too',
        async () => {
          const both = Buffer.from(await phone.heic(await images.jpeg(32, 32)))
          both.set([0xff, 0xd8, 0xff, 0xe0], 0)
          return [filePart(both, 'x.jpg', 'image/jpeg')]
        },
        415,
        /not an image or video this site accepts/,
      ],
    ]
    for (const [name, makeParts, status, message] of cases) {
      it(`refuses ${name} with ${status}, storing nothing`, async () => {
        const keysBefore = (await storedKeys(site)).sort()
        const postsBefore = await site.app.db
          .selectFrom('sharedfile')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
        const response = await upload(alice, await makeParts())
        assert.equal(response.statusCode, status, response.body.slice(0, 300))
        assert.match(response.body, message)
        assert.match(response.body, /value="kept title"/)
        assert.deepEqual((await storedKeys(site)).sort(), keysBefore)
        const postsAfter = await site.app.db
          .selectFrom('sharedfile')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
        assert.equal(Number(postsAfter.n), Number(postsBefore.n))
        assert.deepEqual(await listFiles(site.config.tmpDir), [])
      })
    }
  })
})

describe('phone photos on a server without the HEIC decoder', () => {
  let site: Site
  let alice: Browser
  before(async () => {
    site = await createTestSite({ HEIF_DECODER_PATH: '/nonexistent/heif-convert' })
    alice = await signUp(site.app, 'alice')
  })
  after(() => site.close())

  it('refuses HEIC with a clear 415 and still posts AVIF', async () => {
    const keysBefore = (await storedKeys(site)).sort()
    const refused = await upload(alice, [
      filePart(await phone.heic(await images.jpeg(64, 48)), 'IMG_0004.HEIC', 'image/heic'),
    ])
    assert.equal(refused.statusCode, 415, refused.body.slice(0, 300))
    assert.match(refused.body, /This server cannot read HEIC photos yet/)
    assert.deepEqual((await storedKeys(site)).sort(), keysBefore)
    assert.deepEqual(await listFiles(site.config.tmpDir), [])
    await alice.get('/tools/new-post')
    const json = await alice.postMultipart(
      '/upload',
      [filePart(await phone.heic(await images.jpeg(64, 48)), 'x.heic', 'image/heic')],
      { headers: { accept: 'application/json' } },
    )
    assert.equal(json.statusCode, 415)
    assert.match(json.json().error, /cannot read HEIC photos yet/)
    const avif = await phone.avif(await images.jpeg(64, 48))
    keyOf(await upload(alice, [filePart(avif, 'x.avif', 'image/avif')]))
  })
})
