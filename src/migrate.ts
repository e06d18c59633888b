// One-shot: bring the database schema up to date, then exit. Run before web and worker start.
import { loadProcessConfig } from './config.js'
import { openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrator.js'

const config = loadProcessConfig()
const db = openDatabase(config.database)
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
