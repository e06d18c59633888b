// What `npm run backup` and `npm run restore` cover: the embedded mode's SQLite file and local
// file store. Production's MySQL, Redis and S3 have their own tools (docs/operations.md).
import path from 'node:path'
import type { Config } from '../config.js'

export type BackupScope =
  | { covered: true; databaseFile: string; filesRoot: string }
  | { covered: false; reason: string }

export function backupScope(config: Config, command: 'backup' | 'restore'): BackupScope {
  const docs = 'see "Backups" in docs/operations.md'
  if (config.database.dialect === 'mysql') {
    return {
      covered: false,
      reason: `npm run ${command} covers only the embedded mode (a SQLite database and local files). DATABASE_URL names MySQL: use mariadb-dump --single-transaction (or binlogs) for the database and S3 versioning for the files; ${docs}`,
    }
  }
  if (config.database.file === ':memory:') {
    return {
      covered: false,
      reason: `DATABASE_URL is sqlite::memory:, which has nothing to ${command}`,
    }
  }
  if (config.s3) {
    return {
      covered: false,
      reason: `npm run ${command} covers only the embedded mode's local files, and S3_BUCKET is set: keep the bucket versioned and copy the SQLite file with npm run backup on a configuration without S3_BUCKET, or ${docs}`,
    }
  }
  return {
    covered: true,
    databaseFile: config.database.file,
    filesRoot: path.join(config.dataDir, 'files'),
  }
}
