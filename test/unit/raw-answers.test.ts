import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { answerKeepSeconds, type RawFile } from '../../src/services/raw-files.js'
import { ViewLog } from '../../src/services/view-log.js'

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

describe("nginx's views log", () => {
  it('counts whole lines, leaves a line being written for later, and empties the log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'view-log-'))
    try {
      const file = path.join(dir, 'views.log')
      const counted: number[] = []
      const log = new ViewLog(file, { record: (id) => counted.push(id) })
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
})
