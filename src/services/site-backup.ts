// The embedded site's backup, taken while it runs: a snapshot of the SQLite database through
// SQLite's online backup API, then a copy of the local file store, then the manifest.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Kysely, SqliteDialect } from 'kysely'
import { executedMigrations } from '../db/migrator.js'
import type { DB } from '../db/schema.js'
import { referencedFileKeys } from '../repositories/stored-file-keys.js'
import {
  type BackupManifest,
  copyWithDigest,
  type Digest,
  databaseName,
  digestOf,
  filesFolder,
  manifestName,
} from './backup-manifest.js'

export interface BackupSource {
  databaseFile: string
  /** The local store's root (DATA_DIR/files). */
  filesRoot: string
}

export interface BackupResult {
  dir: string
  manifest: BackupManifest
  /** When the database snapshot was taken: the backup holds what was committed by then. */
  snapshotAt: Date
}

/** A folder name that sorts by time and is safe on every file system. */
export function backupFolderName(at: Date): string {
  return `mlkshk-${at.toISOString().replace(/[:.]/g, '-')}`
}

/**
 * Writes a new backup folder under `parent`. The order is what makes it consistent: the
 * database first, then the files. Files are never changed once stored (keys are content
 * hashes), so every file a committed row names already exists when the snapshot is taken and
 * is still there for the copy, unless it is deleted in between (those are listed as missing).
 * Files added after the snapshot are copied too; nothing points at them.
 */
export async function backUpSite(
  source: BackupSource,
  parent: string,
  now = new Date(),
): Promise<BackupResult> {
  const dir = path.join(parent, backupFolderName(now))
  await mkdir(parent, { recursive: true })
  // Not recursive: two backups in the same millisecond must not share a folder.
  await mkdir(dir)
  const copy = path.join(dir, databaseName)
  const snapshotAt = await snapshotDatabase(source.databaseFile, copy)
  const { migrations, referenced } = await readSnapshot(copy)
  const files = await copyStore(source.filesRoot, path.join(dir, filesFolder))
  const copied = new Set(files.map((f) => f.key))
  const manifest: BackupManifest = {
    format: 1,
    createdAt: snapshotAt.toISOString(),
    migrations,
    // Hashed after readSnapshot has closed the copy: nothing writes to it any more.
    database: { file: databaseName, ...(await digestOf(copy)) },
    files,
    missingFiles: [...referenced].filter((key) => !copied.has(key)).sort(),
  }
  // Last, and by rename: a folder with a manifest is a finished backup.
  const partial = path.join(dir, `${manifestName}.partial`)
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
  await rename(partial, path.join(dir, manifestName))
  return { dir, manifest, snapshotAt }
}

async function snapshotDatabase(databaseFile: string, copy: string): Promise<Date> {
  const { default: SqliteDatabase } = await import('better-sqlite3')
  // fileMustExist: a wrong path must fail, not back up a new empty database.
  const live = new SqliteDatabase(databaseFile, { fileMustExist: true, timeout: 5000 })
  try {
    // All pages in one step, so one read transaction: the copy is the database as of one
    // commit. In steps, any write by the site between two steps restarts the copy, which under
    // steady writes may never finish. WAL mode lets the site keep writing meanwhile.
    const snapshotAt = new Date()
    await live.backup(copy, { progress: () => 0x7fffffff })
    return snapshotAt
  } finally {
    live.close()
  }
}

async function readSnapshot(
  copy: string,
): Promise<{ migrations: string[]; referenced: Set<string> }> {
  const { default: SqliteDatabase } = await import('better-sqlite3')
  const sqlite = new SqliteDatabase(copy, { fileMustExist: true })
  // The copy carries the site's WAL mode; a rollback journal makes it one self-contained file
  // (the site sets WAL again when it opens it after a restore).
  sqlite.pragma('journal_mode = DELETE')
  const check = sqlite.pragma('quick_check', { simple: true })
  if (check !== 'ok') {
    sqlite.close()
    throw new Error(`the database copy fails SQLite's quick_check: ${String(check)}`)
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) })
  try {
    return { migrations: await executedMigrations(db), referenced: await referencedFileKeys(db) }
  } finally {
    await db.destroy()
  }
}

/** Copies every stored file, hashing the bytes as they are written. */
async function copyStore(root: string, target: string): Promise<Array<Digest & { key: string }>> {
  const files: Array<Digest & { key: string }> = []
  await mkdir(target, { recursive: true })
  for (const key of await listKeys(root)) {
    const to = path.join(target, key)
    try {
      files.push({ key, ...(await copyWithDigest(path.join(root, key), to)) })
    } catch (error) {
      // Deleted by the site since the listing (a failed upload's files, an old avatar).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      await rm(to, { force: true })
    }
  }
  return files
}

async function listKeys(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return []
      throw error
    },
  )
  return (
    entries
      // LocalStore writes NAME.RANDOM.partial then renames: a partial file is not stored yet.
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.partial'))
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
      .map((key) => key.split(path.sep).join('/'))
      .sort()
  )
}
