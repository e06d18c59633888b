// `npm run backup -- [DIR]`: a consistent copy of the embedded site (SQLite database and local
// files) in a new folder under DIR (BACKUP_DIR, `backups/`, by default), while the site runs.
import path from 'node:path'
import { loadProcessConfig } from './config.js'
import { backupScope } from './services/backup-scope.js'
import { formatBytes } from './services/format-bytes.js'
import { backUpSite } from './services/site-backup.js'

const config = loadProcessConfig()
const scope = backupScope(config, 'backup')
if (!scope.covered) {
  console.error(scope.reason)
  process.exit(1)
}
const started = performance.now()
const parent = process.argv[2] ? path.resolve(process.argv[2]) : config.backupDir
const { dir, manifest } = await backUpSite(scope, parent)
const bytes = manifest.files.reduce((sum, file) => sum + file.size, manifest.database.size)
for (const key of manifest.missingFiles)
  console.error(`backup: warning: the database names ${key}, which the file store no longer had`)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `backup: the database and ${manifest.files.length} files (${formatBytes(bytes)}) in ${seconds} s`,
)
console.log(`backup written to ${dir}`)
