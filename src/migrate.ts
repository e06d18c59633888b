// One-shot: bring the database schema up to date, then exit. Run before web and worker start.
import pino from 'pino'
import { loadProcessConfig } from './config.js'
import { checkDatabase, DatabaseUnavailableError } from './db/connection-check.js'
import { openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrator.js'
import { startErrorReporting } from './observability/error-reports.js'
import { failStartup } from './observability/startup-failure.js'

const config = loadProcessConfig()
await startErrorReporting(config, 'migrate')
const db = openDatabase(config.database)
await checkDatabase(db, config.database).catch((error: unknown) =>
  error instanceof DatabaseUnavailableError
    ? failStartup(pino({ level: config.logLevel, name: 'migrate' }), error)
    : Promise.reject(error),
)
try {
  const { results } = await migrateToLatest(db)
  if (!results?.length) console.log('migrate: the schema is up to date')
  for (const r of results ?? []) console.log(`migrate: ${r.migrationName} ${r.status}`)
} catch (error) {
  console.error('migrate failed:', error)
  process.exitCode = 1
} finally {
  await db.destroy()
}
