// Receives an upload (a multipart part or a fetched body) into a private temporary file while
// hashing it, so nothing is ever held whole in memory. The caller removes it with cleanup().
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ServiceError } from '../services/errors.js'
import { formatBytes } from '../services/format-bytes.js'

export interface TempUpload {
  path: string
  sha1: string
  size: number
  cleanup(): Promise<void>
}

/** A refusal like any other (413), whichever path the oversized bytes came by. */
export class TooLargeError extends ServiceError {
  constructor(maxBytes: number) {
    super(413, `That file is larger than ${formatBytes(maxBytes)}, the most this site accepts.`)
  }
}

/** A fresh private path in the folder, with the cleanup that removes it. */
export async function tempPath(
  folder: string,
  suffix = '',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  await mkdir(folder, { recursive: true, mode: 0o700 })
  const file = path.join(folder, `${Date.now()}-${randomBytes(8).toString('hex')}${suffix}`)
  return { path: file, cleanup: () => rm(file, { force: true, recursive: true }) }
}

/**
 * Writes the stream to a temporary file, hashing as it goes. Fails with TooLargeError as soon
 * as more than maxBytes arrive; the partial file is removed on every failure.
 */
export async function saveToTempFile(
  source: Readable,
  maxBytes: number,
  folder: string,
): Promise<TempUpload> {
  const target = await tempPath(folder, '.upload')
  const hash = createHash('sha1')
  let size = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      if (size > maxBytes) return done(new TooLargeError(maxBytes))
      hash.update(chunk)
      done(null, chunk)
    },
  })
  const out = createWriteStream(target.path, { mode: 0o600 })
  try {
    await pipeline(source, meter, out)
  } catch (error) {
    // The file may still be opening when the pipeline gives up: wait until it is closed, or
    // it would be created again after being removed.
    if (!out.closed) await once(out, 'close').catch(() => {})
    await target.cleanup()
    throw error
  }
  return { path: target.path, sha1: hash.digest('hex'), size, cleanup: target.cleanup }
}
