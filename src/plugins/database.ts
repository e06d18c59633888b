// Opens the database for the app. Embedded mode brings its own schema up to date; production
// refuses to start on a schema that is behind (run `npm run migrate` first).
import fp from 'fastify-plugin'
import type { KyselyPlugin } from 'kysely'
import { checkDatabase } from '../db/connection-check.js'
import { type Database, openDatabase } from '../db/database.js'
import { migrateToLatest, pendingMigrations } from '../db/migrator.js'

export default fp(
  async (app, options: { queryPlugins?: KyselyPlugin[] }) => {
    const db = openDatabase(app.config.database, options.queryPlugins, app.config.replicas)
    app.decorate('db', db)
    app.addHook('onClose', async () => {
      await db.destroy()
    })
    await checkDatabase(db, app.config.database)
    if (app.config.embedded) {
      const { results } = await migrateToLatest(db)
      for (const r of results ?? []) app.log.info({ migration: r.migrationName }, 'migrated')
      return
    }
    const pending = await pendingMigrations(db)
    if (pending.length > 0) {
      throw new Error(`The database needs migrating first (npm run migrate): ${pending.join(', ')}`)
    }
  },
  { name: 'database' },
)

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}
