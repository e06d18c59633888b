// Opens the database named by the config: a SQLite file (embedded default) or MySQL. Each
// driver is loaded when the first connection is made, so a process holds only its own.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Kysely, type KyselyPlugin, MysqlDialect, SqliteDialect } from 'kysely'
import type { DatabaseConfig, ReplicaConfig } from '../config.js'
import { countedDialect, type PoolUsage, recordPoolUsage } from './pool-usage.js'
import { readRoutingDialect } from './read-routing.js'
import { ReplicaSet, replicaName } from './replica-set.js'
import type { DB } from './schema.js'

export type Database = Kysely<DB>

/**
 * `plugins` see every query (the query-budget test counts them with one). With replicas, reads
 * that may go to a replica do (see read-routing.ts); `replicaSetOf` gives their states.
 */
export function openDatabase(
  config: DatabaseConfig,
  plugins: KyselyPlugin[] = [],
  replicas?: ReplicaConfig,
): Database {
  if (config.dialect === 'mysql') {
    const usage: PoolUsage = { inUse: 0, waiting: 0, size: MYSQL_POOL_SIZE }
    let dialect = countedDialect(mysqlDialect(config.url), usage)
    let replicaSet: ReplicaSet | undefined
    if (replicas && replicas.urls.length > 0) {
      replicaSet = new ReplicaSet(
        replicas.urls.map((url) => ({
          name: replicaName(url),
          url,
          // A replica that is away must not hold a page up for long: the primary is there.
          driver: mysqlDialect(url, { connectTimeout: REPLICA_CONNECT_TIMEOUT_MS }).createDriver(),
        })),
        replicas.maxLagSeconds,
      )
      dialect = readRoutingDialect(dialect, replicaSet)
    }
    const db = counted(new Kysely<DB>({ plugins, dialect }), usage)
    if (replicaSet) replicaSets.set(db, replicaSet)
    return db
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
  const usage: PoolUsage = { inUse: 0, waiting: 0, size: 1 }
  const dialect = countedDialect(new SqliteDialect({ database }), usage)
  return counted(new Kysely<DB>({ dialect, plugins }), usage)
}

const MYSQL_POOL_SIZE = 10
const REPLICA_CONNECT_TIMEOUT_MS = 2000

const replicaSets = new WeakMap<object, ReplicaSet>()

/** The replicas a database opened by openDatabase reads from, if any. */
export function replicaSetOf(db: object): ReplicaSet | undefined {
  return replicaSets.get(db)
}

/**
 * A replica's health checks: one connection of its own (they are one query every few seconds),
 * apart from the pool its reads use, so a check is never queued behind page reads.
 */
export function openReplicaCheck(url: string): Database {
  return new Kysely<DB>({
    dialect: mysqlDialect(url, { connectTimeout: REPLICA_CONNECT_TIMEOUT_MS, poolSize: 1 }),
  })
}

export function mysqlDialect(
  url: string,
  options: { connectTimeout?: number; poolSize?: number } = {},
): MysqlDialect {
  return new MysqlDialect({
    pool: async () => {
      const { createPool } = await import('mysql2')
      return createPool({
        uri: url,
        // UTC in, UTC out, and datetimes as plain strings so both dialects agree.
        timezone: 'Z',
        dateStrings: true,
        charset: 'utf8mb4_unicode_ci',
        connectionLimit: options.poolSize ?? MYSQL_POOL_SIZE,
        supportBigNumbers: true,
        decimalNumbers: true,
        ...(options.connectTimeout ? { connectTimeout: options.connectTimeout } : {}),
      })
    },
  })
}

function counted(db: Database, usage: PoolUsage): Database {
  recordPoolUsage(db, usage)
  return db
}
