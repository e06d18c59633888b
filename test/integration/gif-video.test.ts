// Animated GIFs become videos: the media job makes an MP4 (H.264, yuv420p, even sides) with
// ffmpeg and a WebP poster with sharp, /r/KEY.mp4 serves it, pages play it muted and looped with
// the GIF as the fallback, and a setting turns autoplay off. Runs embedded (files local in the
// SQLite run, on s3rver in the MariaDB run) and in production mode (BullMQ media queue and a
// worker).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { fetchStored, type Site } from '../helpers/files.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless, skipUnlessProgram } from '../helpers/services.js'
import { createSocialSite, post } from '../helpers/social.js'

interface Probe {
  codec_name: string
  pix_fmt: string
  width: number
  height: number
  nb_read_frames: string
}

/** What ffprobe reads from the video, decoding every frame (so a broken file fails here). */
function ffprobe(file: string): Probe {
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_frames'],
    ...['-of', 'json', file],
  ])
  const streams = (JSON.parse(out.toString()) as { streams: Probe[] }).streams
  assert.equal(streams.length, 1, 'one video stream')
  return streams[0] as Probe
}

const skipFfmpeg = skipUnlessProgram('ffmpeg', 'ffmpeg')

for (const mode of ['embedded', 'production'] as const) {
  describe(`GIF video (${mode})`, async () => {
    const skip = skipFfmpeg || (mode === 'production' ? await skipUnless('Redis', redisUrl) : false)
    let site: Site
    let alice: Browser
    let bob: Browser
    let scratch: string
    before(async () => {
      if (skip) return
      site =
        mode === 'embedded'
          ? await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' }, { s3: useS3 })
          : await createSocialSite('production', redisUrl)
      alice = await signUp(site.app, 'alice')
      bob = await signUp(site.app, 'bob')
      scratch = await mkdtemp(path.join(os.tmpdir(), 'gif-video-'))
    })
    after(async () => {
      await site?.close()
      if (scratch) await rm(scratch, { recursive: true, force: true })
    })

    const renditionsOf = async (key: string) => {
      const row = await site.app.db
        .selectFrom('sharedfile as p')
        .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
        .select('s.renditions')
        .where('p.id', '=', Number.parseInt(key, 36))
        .executeTakeFirstOrThrow()
      return JSON.parse(row.renditions) as Array<{ name: string; width: number; height: number }>
    }

    it('an animated GIF gets a playable MP4 and a poster', { skip }, async () => {
      // An odd height: the video's sides must come out even.
      const key = await post(alice, 'dancing', await images.animatedGif(64, 47, 6))
      await settle(site.app, 60_000)

      const names = (await renditionsOf(key)).map((r) => r.name)
      assert.ok(names.includes('mp4') && names.includes('poster'), names.join())

      const head = await site.app.inject({ url: `/r/${key}.mp4` })
      assert.equal(head.statusCode, 200)
      assert.equal(head.headers['content-type'], 'video/mp4')
      assert.equal(head.headers['x-content-type-options'], 'nosniff')
      const video = path.join(scratch, `${key}.mp4`)
      await writeFile(video, await fetchStored(site, `/r/${key}.mp4`))
      const probe = ffprobe(video)
      assert.equal(probe.codec_name, 'h264')
      assert.equal(probe.pix_fmt, 'yuv420p')
      assert.deepEqual([probe.width, probe.height], [64, 46])
      assert.equal(Number(probe.nb_read_frames), 6, 'every frame of the GIF is in the video')

      const poster = await fetchStored(site, `/r/${key}/poster`)
      const meta = await sharp(poster).metadata()
      // WebP: a poster has no <picture> to offer formats in, and WebP is half JPEG's bytes.
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 64, 46])
      assert.equal(
        (await site.app.inject({ url: `/r/${key}/poster` })).headers['content-type'],
        'image/webp',
      )
      // The GIF itself is still there, unchanged in kind.
      assert.equal(
        (await site.app.inject({ url: `/r/${key}` })).headers['content-type'],
        'image/gif',
      )
    })

    it('pages play the video muted and looped, with a link to the GIF as the fallback', {
      skip,
    }, async () => {
      const key = await post(alice, 'looping', await images.animatedGif(40, 30, 3))
      await settle(site.app, 60_000)
      for (const url of [`/p/${key}`, '/user/alice']) {
        const page = (await bob.get(url)).body
        const video = page.match(/<video[^>]*>[\s\S]*?<\/video>/)?.[0] ?? ''
        assert.ok(video, `${url} shows a video`)
        for (const attribute of ['autoplay', 'muted', 'loop', 'playsinline'])
          assert.match(video, new RegExp(`\\s${attribute}[\\s>]`), `${url}: ${attribute}`)
        assert.match(video, new RegExp(`poster="[^"]*/r/${key}/poster"`))
        assert.match(video, new RegExp(`<source src="[^"]*/r/${key}\\.mp4" type="video/mp4">`))
        // A link to the GIF inside, never an <img> (the preload scanner would fetch it).
        assert.match(video, new RegExp(`<a href="[^"]*/r/${key}">`), 'the GIF inside')
        assert.doesNotMatch(video, /<img/)
      }

      // Autoplay off: the video waits behind its controls.
      await bob.get('/account/settings')
      const saved = await bob.post('/account/settings', { form: 'video', autoplay: 'off' })
      assert.equal(saved.statusCode, 303)
      const page = (await bob.get(`/p/${key}`)).body
      const video = page.match(/<video[^>]*>/)?.[0] ?? ''
      assert.match(video, /\scontrols[\s>]/)
      assert.doesNotMatch(video, /autoplay/)
      assert.match((await bob.get('/account/settings')).body, /wait until you press play/)
      // Alice did not change hers.
      assert.match((await alice.get(`/p/${key}`)).body, /<video[^>]*\sautoplay/)
    })

    it('a still GIF, and any other image, get no video', { skip }, async () => {
      const still = await sharp({
        create: { width: 30, height: 20, channels: 3, background: '#c33' },
      })
        .gif()
        .toBuffer()
      const key = await post(alice, 'still', still)
      const jpegKey = await post(alice, 'photo')
      await settle(site.app, 60_000)
      for (const k of [key, jpegKey]) {
        assert.deepEqual(
          (await renditionsOf(k)).map((r) => r.name).filter((n) => n === 'mp4' || n === 'poster'),
          [],
        )
        assert.equal((await site.app.inject({ url: `/r/${k}.mp4` })).statusCode, 404)
        assert.equal((await site.app.inject({ url: `/r/${k}/poster` })).statusCode, 404)
        assert.doesNotMatch((await bob.get(`/p/${k}`)).body, /<video/)
      }
      const queued = await site.app.db
        .selectFrom('outbox')
        .select('payload')
        .where('job', '=', 'make-video')
        .execute()
      const ids = queued.map(
        (row) => (JSON.parse(row.payload) as { sourcefileId: number }).sourcefileId,
      )
      const stillSource = await site.app.db
        .selectFrom('sharedfile')
        .select('sourcefile_id')
        .where('id', '=', Number.parseInt(key, 36))
        .executeTakeFirstOrThrow()
      assert.ok(!ids.includes(stillSource.sourcefile_id), 'no video job for a still GIF')
    })

    it('the same GIF posted again shares the one video', { skip }, async () => {
      const gif = await images.animatedGif(24, 24, 3)
      const first = await post(alice, 'first', gif)
      await settle(site.app, 60_000)
      const second = await post(bob, 'again', gif)
      assert.match((await bob.get(`/p/${second}`)).body, /<video/, 'shown as video at once')
      await settle(site.app, 60_000)
      assert.deepEqual(await renditionsOf(first), await renditionsOf(second))
    })
  })
}

describe('GIF video without ffmpeg', () => {
  it('keeps the GIF, and the job ends without retries or a dead row', async () => {
    const site = await createTestSite({ FFMPEG_PATH: '/nonexistent/ffmpeg' })
    try {
      const alice = await signUp(site.app, 'alice')
      const key = await post(alice, 'no video here', await images.animatedGif(20, 20, 3))
      await settle(site.app, 30_000)
      const rows = await site.app.db
        .selectFrom('outbox')
        .select(['status', 'attempts'])
        .where('job', '=', 'make-video')
        .execute()
      assert.deepEqual(
        rows.map((r) => r.status),
        ['done'],
        'the job finished once, nothing dead',
      )
      assert.equal((await site.app.inject({ url: `/r/${key}.mp4` })).statusCode, 404)
      const page = (await alice.get(`/p/${key}`)).body
      assert.doesNotMatch(page, /<video/)
      assert.match(page, new RegExp(`<img src="[^"]*/r/${key}`))
    } finally {
      await site.close()
    }
  })
})
