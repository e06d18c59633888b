// Embedded mode's files: a folder under DATA_DIR, served by the app itself.
import { randomBytes } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { access, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { assertSafeKey, type LocalFileStore } from './file-store.js'

export class LocalStore implements LocalFileStore {
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
    // Copy then rename, so a reader never sees half a file; a random name, so two writers of
    // the same key never share a partial file.
    const partial = `${target}.${randomBytes(8).toString('hex')}.partial`
    await copyFile(file, partial)
    await rename(partial, target)
  }

  async download(key: string, file: string): Promise<void> {
    await copyFile(this.pathOf(key), file)
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

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = []
    const walk = async (folder: string): Promise<void> => {
      const entries = await readdir(path.join(this.root, folder), { withFileTypes: true }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return []
          throw error
        },
      )
      for (const entry of entries) {
        const key = folder ? `${folder}/${entry.name}` : entry.name
        if (entry.isDirectory()) await walk(key)
        else if (key.startsWith(prefix)) keys.push(key)
      }
    }
    // Walk from the deepest folder the prefix names, then filter on the whole prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : ''
    if (folder) assertSafeKey(folder)
    await walk(folder)
    return keys.sort()
  }
}
