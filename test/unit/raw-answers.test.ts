import assert from 'node:assert/strict'
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { renditionContentType } from '../../src/routes/post-presentation.js'
import { ImageHitLog } from '../../src/services/image-hit-log.js'
import { answerKeepSeconds, type RawFile } from '../../src/services/raw-files.js'
import { eventually } from '../helpers/jobs.js'

describe('how long nginx may keep a raw-file answer', () => {
  const file: RawFile = {
    postId: 1,
    ownerId: 2,
    key: 'i/abc/original.jpg',
    contentType: 'image/jpeg',
    presignedUrl: undefined,
    presignedUntil: undefined,
  }

  it('keeps a local file answer as long as asked', () => {
    assert.equal(answerKeepSeconds(file, 5), 5)
    assert.equal(answerKeepSeconds(file, 0), 0)
  })

  it('never past the point where the presigned URL has under a minute left', () => {
    const now = 1_000_000
    const signed = { ...file, presignedUrl: 'https://s3/x', presignedUntil: now + 300_000 }
    assert.equal(answerKeepSeconds(signed, 5, now), 5)
    assert.equal(answerKeepSeconds(signed, 5, now + 237_000), 3)
    assert.equal(answerKeepSeconds(signed, 5, now + 240_000), 0)
    assert.equal(answerKeepSeconds(signed, 5, now + 400_000), 0)
  })
})

describe("nginx's image hit log", () => {
  it('counts whole lines, leaves a line being written for later, and empties the log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'image-hit-log-'))
    try {
      const file = path.join(dir, 'views.log')
      const counted: number[] = []
      const log = new ImageHitLog(file, { record: (id) => counted.push(id) }, { warn() {} })
      await log.read()
      assert.deepEqual(counted, [], 'no log yet is no error')

      await writeFile(file, '12\n7\n12\n\nnot-a-post\n3')
      await log.read()
      assert.deepEqual(counted, [12, 7, 12])
      assert.equal(await readFile(file, 'utf8'), '12\n7\n12\n\nnot-a-post\n3', 'a line is open')

      await appendFile(file, '4\n')
      await log.read()
      assert.deepEqual(counted, [12, 7, 12, 34])
      assert.equal(await readFile(file, 'utf8'), '', 'all read: emptied')

      await appendFile(file, '5\n')
      await log.stop()
      assert.deepEqual(counted, [12, 7, 12, 34, 5], 'stopping reads what is left')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('says so when the log cannot be read, and counts its lines once it can', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'image-hit-log-'))
    try {
      const file = path.join(dir, 'views.log')
      // A folder where the log should be: every read fails (EISDIR), even as root.
      await mkdir(file)
      const counted: number[] = []
      const warnings: Array<{ details: object; message: string }> = []
      const log = new ImageHitLog(
        file,
        { record: (id) => counted.push(id) },
        { warn: (details, message) => warnings.push({ details, message }) },
        20,
      )
      log.start()
      try {
        await eventually(async () => warnings.length > 0, 5000, 'the failed read logged')
        assert.equal(warnings[0]?.message, 'image hit log not read yet')
        assert.match(String((warnings[0]?.details as { err?: Error } | undefined)?.err), /EISDIR/)
        await rm(file, { recursive: true })
        await writeFile(file, '8\n9\n')
        await eventually(async () => counted.length === 2, 5000, 'the lines counted')
        assert.deepEqual(counted, [8, 9])
      } finally {
        await log.stop()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the type a rendition is served as', () => {
  const gif = { contentType: 'image/gif' }
  it('a poster made before posters had a format is a JPEG; a newer one says its format', () => {
    const old = { name: 'poster', key: 'i/x/poster.jpg', width: 4, height: 4, size: 1 }
    assert.equal(renditionContentType(old, gif), 'image/jpeg')
    assert.equal(renditionContentType({ ...old, format: 'webp' }, gif), 'image/webp')
  })
  it('a video is an MP4, and a rendition without a format is its image’s type', () => {
    const video = { name: 'mp4', key: 'i/x/video.mp4', width: 4, height: 4, size: 1 }
    assert.equal(renditionContentType(video, gif), 'video/mp4')
    assert.equal(renditionContentType({ ...video, name: 'w550' }, gif), 'image/gif')
  })
})
