// Opens the database named by the config: a SQLite file (embedded default) or MySQL. Each
// driver is loaded when the first connection is made, so a process holds only its own.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Kysely, type KyselyPlugin, MysqlDialect, SqliteDialect } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import type { DB } from './schema.js'

export type Database = Kysely<DB>

/** `plugins` see every query (the query-budget test counts them with one). */
export function openDatabase(config: DatabaseConfig, plugins: KyselyPlugin[] = []): Database {
  if (config.dialect === 'mysql') {
    return new Kysely<DB>({
      plugins,
      dialect: new MysqlDialect({
        pool: async () => {
          const { createPool } = await import('mysql2')
          return createPool({
            uri: config.url,
            // UTC in, UTC out, and datetimes as plain strings so both dialects agree.
            timezone: 'Z',
            dateStrings: true,
            charset: 'utf8mb4_unicode_ci',
            connectionLimit: 10,
            supportBigNumbers: true,
            decimalNumbers: true,
          })
        },
      }),
    })
  }
  const file = config.file
  const database = async () => {
    const { default: SqliteDatabase } = await import('better-sqlite3')
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true })
    const sqlite = new SqliteDatabase(file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    sqlite.pragma('synchronous = NORMAL')
    return sqlite
  }
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }), plugins })
}
