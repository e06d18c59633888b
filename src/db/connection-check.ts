// The first thing a process does with its database: one trivial query. A database that is
// down, or credentials that are wrong, become one line naming the setting to look at, instead
// of a driver's stack trace; the password in DATABASE_URL is never part of it.
import { sql } from 'kysely'
import type { DatabaseConfig } from '../config.js'
import type { Database } from './database.js'
import { unreachableReason } from './dialect.js'

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

/** Where the config points, as it may be shown: no password. */
function shownTarget(config: DatabaseConfig): { setting: string; target: string; where: string } {
  if (config.dialect === 'sqlite') {
    return { setting: 'DATABASE_URL or DATA_DIR', target: config.file, where: config.file }
  }
  const url = new URL(config.url)
  const where = `${url.hostname}:${url.port || '3306'}`
  const user = url.username ? `${decodeURIComponent(url.username)}@` : ''
  return { setting: 'DATABASE_URL', target: `mysql://${user}${where}${url.pathname}`, where }
}

/** Runs one query; throws DatabaseUnavailableError with a one-line message when it cannot. */
export async function checkDatabase(db: Database, config: DatabaseConfig): Promise<void> {
  try {
    await sql`select 1`.execute(db)
  } catch (error) {
    const { setting, target, where } = shownTarget(config)
    const reason =
      unreachableReason(error, where) ??
      `the database could not be used: ${String((error as Error)?.message ?? error).split('\n')[0]}`
    throw new DatabaseUnavailableError(`${setting} (${target}): ${reason}`, { cause: error })
  }
}
