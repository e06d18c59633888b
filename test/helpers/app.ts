// Builds an app for a test on a database of its own: a SQLite file in a temporary folder, or
// a fresh MySQL database when TEST_DATABASE_URL is a mysql:// URL. Everything is removed again
// when the test closes it.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createConnection } from 'mysql2/promise'
import { createServer, type ServerOptions } from '../../src/app.js'
import { type Config, loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { startS3, type TestS3 } from './s3.js'

export const testDatabaseUrl = process.env.TEST_DATABASE_URL
export const onMysql = Boolean(testDatabaseUrl?.startsWith('mysql://'))
export const SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789'

export interface TestSite {
  app: FastifyInstance
  config: Readonly<Config>
  /** Environment the app was built from, to build a second node on the same data. */
  env: Record<string, string>
  close(): Promise<void>
}

/** A fresh, empty, migrated database and data folder, as environment variables. */
export async function freshEnvironment(
  options: { migrate?: boolean; mysqlServer?: string } = {},
): Promise<{
  env: Record<string, string>
  drop: () => Promise<void>
}> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-test-'))
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SESSION_SECRET,
    BASE_URL: 'http://mlkshk.test',
    // Each site its own Redis namespace: test files run at once against one Redis.
    REDIS_PREFIX: `t${randomBytes(5).toString('hex')}`,
  }
  let dropDatabase = async () => {}
  // A suite may bring a MySQL server of its own; otherwise the run's database decides.
  const mysqlServer = options.mysqlServer ?? (onMysql ? testDatabaseUrl : undefined)
  if (mysqlServer) {
    const name = `mlkshk_test_${randomBytes(6).toString('hex')}`
    const server = await createConnection({ uri: mysqlServer })
    await server.query(
      `create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`,
    )
    await server.end()
    const url = new URL(mysqlServer)
    url.pathname = `/${name}`
    env.DATABASE_URL = url.toString()
    if (options.migrate !== false) {
      const db = openDatabase({ dialect: 'mysql', url: env.DATABASE_URL })
      await migrateToLatest(db)
      await db.destroy()
    }
    dropDatabase = async () => {
      const conn = await createConnection({ uri: mysqlServer })
      await conn.query(`drop database if exists \`${name}\``)
      await conn.end()
    }
  }
  return {
    env,
    drop: async () => {
      await dropDatabase()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

export async function buildSite(
  env: Record<string, string>,
  serverOptions: ServerOptions = {},
): Promise<FastifyInstance> {
  const config = loadConfig(env)
  const app = await createServer(config, serverOptions)
  await app.ready()
  return app
}

/**
 * Production-like storage for the MySQL run (files on s3rver), local files for the SQLite run:
 * suites that take `{ s3: useS3 }` cover both modes between the two runs.
 */
export const useS3 = onMysql

/** One app on its own fresh data. Extra variables override the test defaults. */
export async function createTestSite(
  overrides: Record<string, string> = {},
  options: { s3?: boolean; mysqlServer?: string; server?: ServerOptions } = {},
): Promise<TestSite & { s3?: TestS3 }> {
  const fresh = await freshEnvironment({ mysqlServer: options.mysqlServer })
  const s3 = options.s3 ? await startS3() : undefined
  const env = { ...fresh.env, ...s3?.env, ...overrides }
  const app = await buildSite(env, options.server)
  return {
    app,
    config: app.config,
    env,
    ...(s3 ? { s3 } : {}),
    async close() {
      await app.close()
      await s3?.close()
      await fresh.drop()
    },
  }
}

/**
 * Two nodes of one site sharing Redis (REDIS_URL in env), as behind the load balancer: runs
 * `use` with both and closes them afterwards, whatever happened.
 */
export async function withTwoNodes<T>(
  env: Record<string, string>,
  use: (first: TestSite, second: FastifyInstance) => Promise<T>,
): Promise<T> {
  const site = await createTestSite(env)
  const other = await buildSite(site.env)
  try {
    return await use(site, other)
  } finally {
    await other.close()
    await site.close()
  }
}
