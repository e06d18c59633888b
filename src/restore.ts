// `npm run restore -- DIR`: puts an embedded backup back, once it is verified and the site is
// stopped; the previous database and files are kept aside.
import path from 'node:path'
import { loadProcessConfig } from './config.js'
import { BackupRefused } from './services/backup-manifest.js'
import { backupScope } from './services/backup-scope.js'
import { restoreSite } from './services/site-restore.js'

const config = loadProcessConfig()
const scope = backupScope(config, 'restore')
if (!scope.covered) {
  console.error(scope.reason)
  process.exit(1)
}
const backupDir = process.argv[2]
if (!backupDir) {
  console.error('usage: npm run restore -- BACKUP_FOLDER (a folder written by npm run backup)')
  process.exit(1)
}
try {
  const started = performance.now()
  const result = await restoreSite(path.resolve(backupDir), scope)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(
    `restore: the database of ${result.manifest.createdAt} and ${result.manifest.files.length} files in ${seconds} s`,
  )
  if (result.previous)
    console.log(`restore: the previous database and files are in ${result.previous}`)
  if (result.unknownMigrations.length > 0)
    console.warn(
      `restore: warning: the backup was made by a newer release (migrations ${result.unknownMigrations.join(', ')}); run that release on it`,
    )
} catch (error) {
  if (!(error instanceof BackupRefused)) throw error
  console.error(`restore refused: ${error.message}`)
  process.exit(1)
}
