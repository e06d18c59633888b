// What an embedded backup folder holds, and the check that it is whole: the manifest lists the
// database copy and every file with its size and SHA-256. The manifest is written last, so a
// folder without one is a backup that did not finish.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pLimit from 'p-limit'
import { assertSafeKey } from '../storage/file-store.js'

export const manifestName = 'manifest.json'
export const databaseName = 'mlkshk.sqlite'
export const filesFolder = 'files'
const formatVersion = 1

export interface Digest {
  size: number
  sha256: string
}

export interface BackupManifest {
  format: typeof formatVersion
  createdAt: string
  /** Migrations the copied database had run: a newer release migrates it further on start. */
  migrations: string[]
  database: Digest & { file: typeof databaseName }
  /** Every file of the local store, by key (its path under files/). */
  files: Array<Digest & { key: string }>
  /**
   * Keys the database copy names that the store no longer had when the files were copied (a
   * replaced avatar deleted after the snapshot, or a file lost before the backup).
   */
  missingFiles: string[]
}

/** A backup that cannot be restored: the message says why, for the operator. */
export class BackupRefused extends Error {
  override name = 'BackupRefused'
}

/** Copies a file and returns the SHA-256 of the bytes written; `to` must not exist yet. */
export async function copyWithDigest(from: string, to: string): Promise<Digest> {
  await mkdir(path.dirname(to), { recursive: true })
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', mode: 0o600 }))
  return { size, sha256: hash.digest('hex') }
}

export async function digestOf(file: string): Promise<Digest> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { size, sha256: hash.digest('hex') }
}

/**
 * Reads the manifest and checks the database copy and every listed file against it. Throws
 * BackupRefused naming what is missing or changed; returns the manifest when all is whole.
 */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  const manifest = await readManifest(dir)
  const problems: string[] = []
  const check = async (relative: string, expected: Digest) => {
    const actual = await digestOf(path.join(dir, relative)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw error
      },
    )
    if (!actual) problems.push(`${relative} is missing`)
    else if (actual.size !== expected.size) {
      problems.push(`${relative} has ${actual.size} bytes, the manifest says ${expected.size}`)
    } else if (actual.sha256 !== expected.sha256) {
      problems.push(`${relative} does not match its SHA-256 in the manifest`)
    }
  }
  await check(databaseName, manifest.database)
  const limit = pLimit(4)
  await Promise.all(
    manifest.files.map((file) => limit(() => check(path.join(filesFolder, file.key), file))),
  )
  if (problems.length > 0) {
    const shown = problems.sort().slice(0, 10)
    const more = problems.length > shown.length ? `\n  … and ${problems.length - 10} more` : ''
    throw new BackupRefused(
      `${dir} is corrupt or incomplete, nothing was restored:\n  ${shown.join('\n  ')}${more}`,
    )
  }
  return manifest
}

async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string
  try {
    text = await readFile(path.join(dir, manifestName), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new BackupRefused(
      `${dir} has no ${manifestName}: it is not a backup, or one that did not finish (the manifest is written last); nothing was restored`,
    )
  }
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(text) as BackupManifest
  } catch {
    throw new BackupRefused(`${dir}/${manifestName} is not valid JSON; nothing was restored`)
  }
  if (
    manifest?.format !== formatVersion ||
    manifest.database?.file !== databaseName ||
    !Array.isArray(manifest.files) ||
    !Array.isArray(manifest.migrations)
  ) {
    throw new BackupRefused(
      `${dir}/${manifestName} is not a manifest this release reads (format ${formatVersion}); nothing was restored`,
    )
  }
  // Keys become paths on restore: a manifest edited to name ../something must not reach them.
  for (const file of manifest.files) {
    try {
      assertSafeKey(file.key)
    } catch {
      throw new BackupRefused(
        `${dir}/${manifestName} lists ${JSON.stringify(file.key)}, which is not a storage key; nothing was restored`,
      )
    }
  }
  return manifest
}
