// biome-ignore-all lint/suspicious/noExplicitAny: migrations work on any schema
import { type Kysely, type MigrationResultSet, Migrator } from 'kysely'
import { migrations } from '../../migrations/index.js'

/** Brings the schema up to date. Safe to run from several processes: Kysely takes a lock. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  })
  // A newer release may already have run migrations this one does not know (during a rolling
  // deploy, a node on the old release restarts against the new schema: docs/operations.md).
  // Kysely calls that corrupted; with none of ours pending there is nothing to do anyway.
  const known = await migrator.getMigrations()
  if (known.every((m) => m.executedAt !== undefined)) return { results: [] }
  const result = await migrator.migrateToLatest()
  if (result.error) throw result.error
  return result
}

/** Names of migrations that have not run yet. */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const all = await migrator.getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}

/** Names of the migrations this release knows that have run, in order. */
export async function executedMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const all = await migrator.getMigrations()
  return all.filter((m) => m.executedAt !== undefined).map((m) => m.name)
}

/** Every migration this release knows, in order. */
export const knownMigrations: readonly string[] = Object.keys(migrations)
