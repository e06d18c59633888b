// One-shot: bring the database schema up to date, then exit. Run before web and worker start.
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/database.js'
import { migrateToLatest } from './db/migrator.js'

try {
  const config = loadConfig(process.env, { readDotenv: true })
  const db = openDatabase(config.database)
  try {
    const { results } = await migrateToLatest(db)
    if (!results?.length) console.log('migrate: the schema is up to date')
    for (const r of results ?? []) console.log(`migrate: ${r.migrationName} ${r.status}`)
  } finally {
    await db.destroy()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(1)
}
