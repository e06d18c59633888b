// MP4 and WebM uploads: probed with ffprobe before anything else, posted at once with pictures
// made from a poster frame, re-encoded by the media job to an H.264 MP4 (sound kept as AAC)
// that pages play; refused with a readable 4xx, and nothing stored, when too long, too big or
// not really a video. Videos are made here with ffmpeg. The SQLite run keeps files locally, the
// MariaDB run on s3rver; the job runs in-process, and once through BullMQ to a worker.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js'
import { formatBytes } from '../../src/services/format-bytes.js'
import { signUp } from '../helpers/accounts.js'
import { apiClient, grantTokens, registerApp } from '../helpers/api.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import { type Browser, location } from '../helpers/browser.js'
import { fetchStored, type Site, storedKeys } from '../helpers/files.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless, skipUnlessProgram } from '../helpers/services.js'
import { quietLog } from '../helpers/social.js'
import { unzip } from '../helpers/zip.js'

const skipFfmpeg = skipUnlessProgram('ffmpeg', 'ffmpeg') || skipUnlessProgram('ffprobe', 'ffprobe')

let scratch: string
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'video-upload-'))
})
after(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** A small real video made by ffmpeg from its test sources. */
async function makeVideo(name: string, args: string[]): Promise<Buffer> {
  const file = path.join(scratch, name)
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, file])
  return readFile(file)
}

const testPicture = (size: string, seconds: number, rate = 10) => [
  ...['-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=${rate}`],
]
const sine = (seconds: number) => ['-f', 'lavfi', '-i', `sine=duration=${seconds}`]
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']
/** Two seconds of noise at about this bit rate: a video of a chosen size. */
const noisy = (bitRate: string) => [
  ...testPicture('320x240', 2, 25),
  ...['-vf', 'noise=alls=100:allf=t', ...h264, '-b:v', bitRate, '-maxrate', bitRate],
  ...['-bufsize', bitRate],
]

interface Stream {
  codec_type: string
  codec_name: string
  pix_fmt?: string
  width?: number
  height?: number
}

/** What ffprobe reads from the file, decoding every frame (so a broken file fails here). */
function ffprobe(file: string): { streams: Stream[]; format: { duration: string } } {
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-count_frames'],
    ...['-show_entries', 'stream=codec_type,codec_name,pix_fmt,width,height:format=duration'],
    ...['-of', 'json', file],
  ])
  return JSON.parse(out.toString())
}

async function upload(browser: Browser, data: Buffer, filename: string, contentType: string) {
  await browser.get('/tools/new-post')
  return browser.postMultipart(
    '/upload',
    [
      { name: 'title', value: filename },
      { name: 'file', value: data, filename, contentType },
    ],
    { headers: { accept: 'application/json' } },
  )
}

async function posted(browser: Browser, data: Buffer, filename: string, contentType: string) {
  const response = await upload(browser, data, filename, contentType)
  assert.equal(response.statusCode, 201, response.body.slice(0, 300))
  return (JSON.parse(response.body) as { key: string }).key
}

async function renditionsOf(site: Site, key: string) {
  const row = await site.app.db
    .selectFrom('sharedfile as p')
    .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
    .select(['s.renditions', 's.format', 's.width', 's.height', 'p.size'])
    .where('p.id', '=', Number.parseInt(key, 36))
    .executeTakeFirstOrThrow()
  return {
    ...row,
    renditions: JSON.parse(row.renditions) as Array<{ name: string; key: string }>,
  }
}

const names = (r: { renditions: Array<{ name: string }> }) => r.renditions.map((x) => x.name)

describe('video uploads, re-encoded by a worker', async () => {
  const skip = skipFfmpeg || (await skipUnless('Redis', redisUrl))
  let site: Site
  let worker: JobRuntime | undefined
  let workerDb: ReturnType<typeof openDatabase> | undefined
  let alice: Browser
  let bob: Browser
  before(async () => {
    if (skip) return
    // A web process on Redis and no worker yet: the media job waits, as it does in production
    // for the moment between the upload and the worker taking it.
    site = await createTestSite(
      { REDIS_URL: redisUrl, RATE_LIMIT_UPLOAD: '1000/60' },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
  })
  after(async () => {
    await worker?.close()
    await workerDb?.destroy()
    await site?.close()
  })

  it('an MP4 with sound is posted at once with its poster, then plays as H.264 with AAC', {
    skip,
  }, async () => {
    const mp4 = await makeVideo('sound.mp4', [
      ...testPicture('320x240', 3),
      ...sine(3),
      ...h264,
      ...['-c:a', 'aac', '-shortest'],
    ])
    const key = await posted(alice, mp4, 'holiday.mp4', 'video/mp4')

    // Before the job: the pictures come from a frame, the uploaded bytes wait unserved.
    const waiting = await renditionsOf(site, key)
    assert.equal(waiting.format, 'jpeg')
    assert.deepEqual([waiting.width, waiting.height], [320, 240])
    assert.equal(waiting.size, mp4.length, 'the post counts the uploaded bytes (quota)')
    assert.ok(names(waiting).includes('upload'), names(waiting).join())
    assert.ok(!names(waiting).includes('mp4'))
    const poster = await sharp(await fetchStored(site, `/r/${key}`)).metadata()
    assert.deepEqual([poster.format, poster.width, poster.height], ['jpeg', 320, 240])
    assert.equal((await site.app.inject({ url: `/r/${key}/thumb` })).statusCode, 200)
    assert.equal((await site.app.inject({ url: `/r/${key}.mp4` })).statusCode, 404)
    assert.equal((await site.app.inject({ url: `/r/${key}/upload` })).statusCode, 404)
    const waitingPage = (await bob.get(`/p/${key}`)).body
    assert.doesNotMatch(waitingPage, /<video/)
    assert.match(waitingPage, /This video is still being prepared/)
    assert.match(waitingPage, new RegExp(`<img src="[^"]*/r/${key}`))

    // The API shows it as an image: the poster's size and file, its name as uploaded.
    const carol = await signUp(site.app, 'carol')
    const api = apiClient(
      site.app,
      (await grantTokens(site.app, bob, await registerApp(carol))).access,
    )
    const shown = await api.get(`/api/sharedfile/${key}`)
    assert.equal(shown.status, 200)
    assert.deepEqual(
      [shown.body.width, shown.body.height, shown.body.name],
      [320, 240, 'holiday.mp4'],
    )
    assert.match(shown.body.original_image_url, new RegExp(`/r/${key}$`))

    workerDb = openDatabase(site.config.database)
    worker = await createJobRuntime(site.config, workerDb, quietLog, {
      role: 'worker',
      relayIntervalMs: 200,
    })
    await settle(site.app, 120_000)

    const done = await renditionsOf(site, key)
    assert.ok(names(done).includes('mp4'), names(done).join())
    assert.ok(!names(done).includes('upload'), 'the uploaded bytes are dropped once re-encoded')
    const keys = await storedKeys(site)
    assert.ok(!keys.some((k) => k.includes('/upload.')), keys.join())

    const head = await site.app.inject({ url: `/r/${key}.mp4` })
    assert.equal(head.headers['content-type'], 'video/mp4')
    const bytes = await fetchStored(site, `/r/${key}.mp4`)
    assert.ok(bytes.indexOf('moov') < bytes.indexOf('mdat'), 'the index comes first (faststart)')
    const file = path.join(scratch, `${key}.mp4`)
    await writeFile(file, bytes)
    const probe = ffprobe(file)
    const video = probe.streams.find((s) => s.codec_type === 'video')
    const audio = probe.streams.find((s) => s.codec_type === 'audio')
    assert.deepEqual(
      [video?.codec_name, video?.pix_fmt, video?.width, video?.height],
      ['h264', 'yuv420p', 320, 240],
    )
    assert.equal(audio?.codec_name, 'aac', 'the sound is kept')
    assert.ok(Math.abs(Number(probe.format.duration) - 3) < 0.3, probe.format.duration)

    const page = (await bob.get(`/p/${key}`)).body
    const player = page.match(/<video[^>]*>[\s\S]*?<\/video>/)?.[0] ?? ''
    for (const attribute of ['autoplay', 'muted', 'loop', 'playsinline', 'controls'])
      assert.match(player, new RegExp(`\\s${attribute}[\\s>]`), attribute)
    assert.match(player, new RegExp(`<source src="[^"]*/r/${key}\\.mp4" type="video/mp4">`))
    assert.match(player, new RegExp(`poster="[^"]*/r/${key}"`))
    assert.doesNotMatch(page, /The original GIF|still being prepared/)
    assert.match((await bob.get('/user/alice')).body, new RegExp(`/r/${key}\\.mp4`))
  })
})

describe('video uploads (embedded)', async () => {
  const skip = skipFfmpeg
  const imageLimit = 60_000
  const videoLimit = 400_000
  let site: Site
  let alice: Browser
  let webmKey = ''
  before(async () => {
    if (skip) return
    site = await createTestSite(
      {
        RATE_LIMIT_UPLOAD: '1000/60',
        UPLOAD_MAX_BYTES: String(imageLimit),
        VIDEO_MAX_BYTES: String(videoLimit),
      },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
  })
  after(async () => {
    await site?.close()
  })

  it('a silent WebM becomes an H.264 MP4 with even sides and no sound', { skip }, async () => {
    const webm = await makeVideo('odd.webm', [
      ...testPicture('321x239', 2),
      ...['-c:v', 'libvpx-vp9', '-b:v', '200k', '-pix_fmt', 'yuv420p', '-deadline', 'realtime'],
    ])
    const key = await posted(alice, webm, 'clip.webm', 'video/webm')
    webmKey = key
    await settle(site.app, 120_000)
    const file = path.join(scratch, `${key}.mp4`)
    await writeFile(file, await fetchStored(site, `/r/${key}.mp4`))
    const probe = ffprobe(file)
    assert.deepEqual(
      probe.streams.map((s) => [s.codec_type, s.codec_name, s.pix_fmt, s.width, s.height]),
      [['video', 'h264', 'yuv420p', 320, 238]],
    )
    assert.match((await alice.get(`/p/${key}`)).body, /<video[^>]*\scontrols/)
  })

  it("a browser's recording (a WebM that does not say its length) is measured by its packets", {
    skip,
  }, async () => {
    // Written as a live stream, as MediaRecorder writes: no duration, no index.
    const recorded = await makeVideo('recorded.webm', [
      ...testPicture('320x240', 3),
      ...['-c:v', 'libvpx', '-b:v', '200k', '-deadline', 'realtime', '-f', 'webm', '-live', '1'],
    ])
    const key = await posted(alice, recorded, 'recording.webm', 'video/webm')
    await settle(site.app, 120_000)
    const file = path.join(scratch, `${key}.mp4`)
    await writeFile(file, await fetchStored(site, `/r/${key}.mp4`))
    const probe = ffprobe(file)
    assert.ok(Math.abs(Number(probe.format.duration) - 3) < 0.3, probe.format.duration)
  })

  it('a QuickTime video recorded sideways (as iPhones make them) is posted upright', {
    skip,
  }, async () => {
    const mp4 = await makeVideo('landscape.mp4', [...testPicture('320x240', 2), ...h264])
    const mov = await makeVideo('sideways.mov', [
      ...['-i', path.join(scratch, 'landscape.mp4'), '-c', 'copy'],
      ...['-metadata:s:v:0', 'rotate=90', '-f', 'mov'],
    ])
    assert.notDeepEqual(mov, mp4)
    const key = await posted(alice, mov, 'IMG_0001.MOV', 'video/quicktime')
    const poster = await sharp(await fetchStored(site, `/r/${key}`)).metadata()
    assert.deepEqual([poster.width, poster.height], [240, 320])
    await settle(site.app, 120_000)
    const file = path.join(scratch, `${key}.mp4`)
    await writeFile(file, await fetchStored(site, `/r/${key}.mp4`))
    const video = ffprobe(file).streams.find((s) => s.codec_type === 'video')
    assert.deepEqual([video?.codec_name, video?.width, video?.height], ['h264', 240, 320])
  })

  it("the member's data export holds their video, not its poster", { skip }, async () => {
    // Posted again, the same bytes are the same file: the archive holds it once, under the
    // first post's key.
    const webm = await readFile(path.join(scratch, 'odd.webm'))
    await posted(alice, webm, 'again.webm', 'video/webm')
    const key = webmKey
    await settle(site.app, 120_000)
    await alice.get('/account/settings/data')
    assert.equal((await alice.post('/account/export', {})).statusCode, 303)
    await settle(site.app, 120_000)
    const href = /href="(\/account\/export\/\d+)"/.exec(
      (await alice.get('/account/settings/data')).body,
    )?.[1]
    assert.ok(href, 'the export is listed')
    // From the app, or from S3 by the presigned URL nginx would follow.
    const archive = await alice.get(href)
    assert.equal(archive.statusCode, 200)
    const presigned = archive.headers['x-presigned-url']
    const files = await unzip(
      presigned
        ? Buffer.from(await (await fetch(String(presigned))).arrayBuffer())
        : archive.rawPayload,
    )
    const video = files.get(`images/${key}.mp4`)
    assert.ok(video, [...files.keys()].join())
    assert.deepEqual(video, await fetchStored(site, `/r/${key}.mp4`))
  })

  it('a video larger than the image limit is taken, an image of that size is not', {
    skip,
  }, async () => {
    const video = await makeVideo('big.mp4', noisy('1000k'))
    assert.ok(video.length > imageLimit && video.length < videoLimit, String(video.length))
    await posted(alice, video, 'big.mp4', 'video/mp4')

    const photo = await images.noisyJpeg(400, 400)
    assert.ok(photo.length > imageLimit && photo.length < videoLimit, String(photo.length))
    const refused = await upload(alice, photo, 'big.jpg', 'image/jpeg')
    assert.equal(refused.statusCode, 413)
    assert.ok(
      (JSON.parse(refused.body).error as string).includes(`larger than ${formatBytes(imageLimit)}`),
      refused.body,
    )
  })

  describe('refusals: a readable 4xx, and nothing stored', () => {
    const refusals: Array<[string, () => Promise<Buffer>, string, number, RegExp]> = [
      [
        'a video longer than 60 seconds',
        () => makeVideo('long.mp4', [...testPicture('32x24', 61, 1), ...h264]),
        'long.mp4',
        422,
        /61 seconds long; videos can be at most 60 seconds/,
      ],
      [
        "a browser's recording longer than 60 seconds",
        () =>
          makeVideo('long-recording.webm', [
            ...testPicture('32x24', 61, 1),
            ...['-c:v', 'libvpx', '-deadline', 'realtime', '-f', 'webm', '-live', '1'],
          ]),
        'long-recording.webm',
        422,
        /61 seconds long; videos can be at most 60 seconds/,
      ],
      [
        'a video larger than the video limit',
        () => makeVideo('huge.mp4', noisy('4000k')),
        'huge.mp4',
        413,
        /larger than/,
      ],
      [
        'text named .mp4',
        async () => Buffer.from('this is not a video at all\n'.repeat(20)),
        'fake.mp4',
        415,
        /not an image or video this site accepts/,
      ],
      [
        'an MP4 with sound and no picture',
        () => makeVideo('audio.mp4', [...sine(2), '-c:a', 'aac']),
        'audio.mp4',
        422,
        /no video in it/,
      ],
      [
        'an MP4 cut short',
        async () => {
          const whole = await makeVideo('whole.mp4', [
            ...testPicture('320x240', 3),
            ...h264,
            ...['-movflags', '+faststart'],
          ])
          return whole.subarray(0, Math.floor(whole.length * 0.6))
        },
        'cut.mp4',
        422,
        /damaged or incomplete/,
      ],
      [
        'an MP4 cut short before its index',
        async () => (await readFile(path.join(scratch, 'whole.mp4'))).subarray(0, 3000),
        'cut-early.mp4',
        422,
        /damaged or incomplete/,
      ],
      [
        'a video of absurd dimensions',
        () => makeVideo('wide.mp4', [...testPicture('5000x16', 1, 2), ...h264]),
        'wide.mp4',
        422,
        /too large: it is 5000×16/,
      ],
    ]
    for (const [what, make, filename, status, message] of refusals) {
      it(what, { skip }, async () => {
        const data = await make()
        // The earlier uploads' jobs are done: their files stop changing.
        await settle(site.app, 120_000)
        const keysBefore = await storedKeys(site)
        const count = async () =>
          (await site.app.db.selectFrom('sourcefile').select('id').execute()).length
        const rowsBefore = await count()
        const response = await upload(alice, data, filename, 'video/mp4')
        assert.equal(response.statusCode, status, response.body.slice(0, 300))
        assert.match(JSON.parse(response.body).error, message)
        assert.deepEqual(await storedKeys(site), keysBefore)
        assert.equal(await count(), rowsBefore)
      })
    }

    it('the form (no scripts) shows the refusal', { skip }, async () => {
      await alice.get('/tools/new-post')
      const response = await alice.postMultipart('/upload', [
        { name: 'title', value: 'too long' },
        {
          name: 'file',
          value: await readFile(path.join(scratch, 'long.mp4')),
          filename: 'long.mp4',
          contentType: 'video/mp4',
        },
      ])
      assert.equal(response.statusCode, 422)
      assert.equal(location(response), undefined)
      assert.match(response.body, /videos can be at most 60 seconds/)
    })
  })
})
