// Puts an embedded backup back in place of the site's database and files: only a whole backup
// (every checksum in its manifest matches), only while the site is stopped, and keeping the
// previous database and files aside rather than deleting them.
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { knownMigrations } from '../db/migrator.js'
import { sqliteInUse } from '../db/sqlite-in-use.js'
import {
  type BackupManifest,
  BackupRefused,
  copyWithDigest,
  type Digest,
  databaseName,
  filesFolder,
  verifyBackup,
} from './backup-manifest.js'

export interface RestoreTarget {
  databaseFile: string
  /** The local store's root (DATA_DIR/files). */
  filesRoot: string
}

export interface RestoreResult {
  manifest: BackupManifest
  /** Where the previous database and files were moved; undefined when there were none. */
  previous: string | undefined
  /** Migrations in the backup that this release does not know (it was made by a newer one). */
  unknownMigrations: string[]
}

/** The files SQLite keeps next to a database: moved with it, never left beside another. */
const sqliteCompanions = ['', '-wal', '-shm', '-journal']

export async function restoreSite(
  backupDir: string,
  target: RestoreTarget,
  now = new Date(),
): Promise<RestoreResult> {
  const manifest = await verifyBackup(backupDir)
  await refuseWhileRunning(target.databaseFile)

  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const stagedDatabase = `${target.databaseFile}.restoring-${stamp}`
  const stagedFiles = `${target.filesRoot}.restoring-${stamp}`
  try {
    // Staged beside their targets (same file system), so the swap below is renames only. The
    // bytes are checked again as they are copied: the backup could change after the check.
    await stage(path.join(backupDir, databaseName), stagedDatabase, manifest.database)
    await mkdir(stagedFiles, { recursive: true })
    for (const file of manifest.files) {
      await stage(
        path.join(backupDir, filesFolder, file.key),
        path.join(stagedFiles, file.key),
        file,
      )
    }
    // The site may have been started while the copies were made.
    await refuseWhileRunning(target.databaseFile)
  } catch (error) {
    await rm(stagedDatabase, { force: true })
    await rm(stagedFiles, { recursive: true, force: true })
    throw error
  }

  const previous = await setAside(target, `before-restore-${stamp}`)
  await rename(stagedDatabase, target.databaseFile)
  await rename(stagedFiles, target.filesRoot)
  const known = new Set(knownMigrations)
  return {
    manifest,
    previous,
    unknownMigrations: manifest.migrations.filter((name) => !known.has(name)),
  }
}

async function refuseWhileRunning(databaseFile: string): Promise<void> {
  if (await sqliteInUse(databaseFile)) {
    throw new BackupRefused(
      `the site is running: another process has ${databaseFile} open. Stop the site (and anything else using the database), then restore; nothing was restored`,
    )
  }
}

async function stage(from: string, to: string, expected: Digest): Promise<void> {
  const copied = await copyWithDigest(from, to)
  if (copied.sha256 !== expected.sha256 || copied.size !== expected.size) {
    throw new BackupRefused(`${from} changed while it was being restored; nothing was restored`)
  }
}

/**
 * Moves the current database (with its WAL and shared-memory files: a WAL left beside the
 * restored database would be replayed into it) and files into one folder beside the database.
 */
async function setAside(target: RestoreTarget, name: string): Promise<string | undefined> {
  const present = sqliteCompanions
    .map((suffix) => `${target.databaseFile}${suffix}`)
    .filter((file) => existsSync(file))
  const hasFiles = existsSync(target.filesRoot)
  if (present.length === 0 && !hasFiles) return undefined
  const folder = path.join(path.dirname(target.databaseFile), name)
  await mkdir(folder)
  for (const file of present) await rename(file, path.join(folder, path.basename(file)))
  if (hasFiles) await rename(target.filesRoot, path.join(folder, filesFolder))
  return folder
}
