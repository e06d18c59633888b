// The HEIC decoder wrapper against the real heif-convert, and against small scripts standing in
// for a decoder that hangs, to show what the bounds do.
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import {
  decodeHeif,
  HeifDecodeError,
  type HeifDecodeOptions,
  HeifDecoderMissingError,
  HeifDecodeTimeoutError,
  heifDecoderAvailable,
} from '../../src/media/heif-decoder.js'
import * as images from '../helpers/images.js'
import * as phone from '../helpers/phone-photos.js'

const bounds: HeifDecodeOptions = {
  decoderPath: 'heif-convert',
  timeoutMs: 30_000,
  memoryBytes: 512 * 2 ** 20,
  maxFileBytes: 64 * 2 ** 20,
}

/** Whether the process still runs: gone, or a zombie nobody has reaped yet, is not. */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

describe('HEIC decoder wrapper', () => {
  let work: string
  let photo: string
  let outDir: string
  let n = 0
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-heif-decoder-'))
    photo = path.join(work, 'photo.heic')
    await writeFile(photo, await phone.heic(await images.noisyJpeg(320, 240)))
  })
  after(() => rm(work, { recursive: true, force: true }))

  const freshOut = async () => {
    outDir = path.join(work, `out-${n++}`)
    await mkdtemp(outDir).then((made) => {
      outDir = made
    })
    return outDir
  }

  /** A stand-in decoder: a shell script with this body. */
  async function fakeDecoder(body: string): Promise<string> {
    const file = path.join(work, `fake-${n++}.sh`)
    await writeFile(file, `#!/bin/sh\n${body}\n`)
    await chmod(file, 0o755)
    return file
  }

  it('decodes a HEIC into a PNG in the output folder', async () => {
    assert.equal(await heifDecoderAvailable('heif-convert'), true)
    const written = await decodeHeif(photo, await freshOut(), bounds)
    assert.deepEqual(written, [path.join(outDir, 'out.png')])
    const meta = await sharp(written[0]).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 320, 240])
  })

  it('writes every top-level image, in order', async () => {
    const burst = path.join(work, 'burst.heic')
    await writeFile(burst, await phone.heic(await images.jpeg(40, 30), { images: 3 }))
    const written = await decodeHeif(burst, await freshOut(), bounds)
    assert.deepEqual(
      written.map((file) => path.basename(file)),
      ['out-1.png', 'out-2.png', 'out-3.png'],
    )
  })

  it('says the decoder is missing, without running anything', async () => {
    assert.equal(await heifDecoderAvailable('/nonexistent/heif-convert'), false)
    assert.equal(await heifDecoderAvailable('no-such-heif-decoder'), false)
    await assert.rejects(
      decodeHeif(photo, await freshOut(), { ...bounds, decoderPath: '/nonexistent/heif-convert' }),
      HeifDecoderMissingError,
    )
  })

  it('kills the decoder and everything it started at the time limit', async () => {
    const pids = path.join(work, 'pids')
    const hanging = await fakeDecoder(`sleep 30 &\necho $$ $! > ${pids}\nwait`)
    const started = Date.now()
    await assert.rejects(
      decodeHeif(photo, await freshOut(), { ...bounds, decoderPath: hanging, timeoutMs: 500 }),
      HeifDecodeTimeoutError,
    )
    assert.ok(Date.now() - started < 5000, 'answered soon after the limit')
    const [shell, sleeper] = (await readFile(pids, 'utf8')).trim().split(' ').map(Number)
    assert.equal(await running(shell as number), false, 'the decoder is gone')
    assert.equal(await running(sleeper as number), false, 'and so is what it started')
  })

  it('runs the decoder under the memory and file-size limits', async () => {
    const limits = path.join(work, 'limits')
    const reporting = await fakeDecoder(`ulimit -v > ${limits}; ulimit -f >> ${limits}`)
    await assert.rejects(
      decodeHeif(photo, await freshOut(), {
        ...bounds,
        decoderPath: reporting,
        memoryBytes: 300 * 2 ** 20,
        maxFileBytes: 2 ** 20,
      }),
      /wrote no image/,
    )
    // ulimit reports kilobytes and 512-byte blocks.
    assert.deepEqual((await readFile(limits, 'utf8')).trim().split('\n'), [
      String(300 * 1024),
      String(2 ** 20 / 512),
    ])
    await assert.rejects(
      decodeHeif(photo, await freshOut(), { ...bounds, memoryBytes: 16 * 2 ** 20 }),
      HeifDecodeError,
      'the real decoder cannot work in 16 MB',
    )
    await assert.rejects(
      decodeHeif(photo, await freshOut(), { ...bounds, maxFileBytes: 4096 }),
      HeifDecodeError,
      'nor write a PNG larger than its file-size limit',
    )
  })

  it('hands the decoder none of the environment but PATH', async () => {
    const seen = path.join(work, 'env')
    const dumping = await fakeDecoder(`env > ${seen}`)
    process.env.SESSION_SECRET_FOR_THIS_TEST = 'must-not-leak'
    try {
      await assert.rejects(
        decodeHeif(photo, await freshOut(), { ...bounds, decoderPath: dumping }),
        /wrote no image/,
      )
    } finally {
      delete process.env.SESSION_SECRET_FOR_THIS_TEST
    }
    const names = (await readFile(seen, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split('=')[0])
    assert.ok(names.includes('PATH'))
    assert.ok(!names.includes('SESSION_SECRET_FOR_THIS_TEST'))
    // What sh sets for itself (PWD, SHLVL, _) is all there is besides PATH.
    assert.deepEqual(
      names.filter((name) => !['PATH', 'PWD', 'SHLVL', '_', 'OLDPWD'].includes(name as string)),
      [],
    )
  })

  it('refuses what the decoder cannot read', async () => {
    const garbage = path.join(work, 'garbage.heic')
    await writeFile(garbage, images.heic)
    await assert.rejects(decodeHeif(garbage, await freshOut(), bounds), HeifDecodeError)
  })
})
