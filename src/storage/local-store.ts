// Embedded mode's files: a folder under DATA_DIR, served by the app itself.
import { constants, createReadStream } from 'node:fs'
import { access, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { assertSafeKey, type FileStore } from './file-store.js'

export class LocalStore implements FileStore {
  readonly kind = 'local'

  constructor(readonly root: string) {}

  /** The file behind a key, for serving. */
  pathOf(key: string): string {
    assertSafeKey(key)
    return path.join(this.root, key)
  }

  async put(key: string, file: string, _contentType: string): Promise<void> {
    const target = this.pathOf(key)
    await mkdir(path.dirname(target), { recursive: true })
    // Copy then rename, so a reader never sees half a file.
    const partial = `${target}.${process.pid}.${Date.now()}.partial`
    await copyFile(file, partial)
    await rename(partial, target)
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile()
    } catch {
      return false
    }
  }

  async read(key: string): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key))
    // Fail here for a missing file rather than later, inside whatever consumes the stream.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', reject)
    })
    return stream
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true })
    await access(this.root, constants.W_OK)
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })))
  }
}
