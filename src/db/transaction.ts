// Short transactions that survive the lock conflicts busy databases produce: MySQL deadlocks
// and lock-wait timeouts, SQLite's busy database. The whole transaction is tried again.
import type { Transaction } from 'kysely'
import type { Database } from './database.js'
import type { DB } from './schema.js'

// SQLITE_BUSY_SNAPSHOT: the transaction read rows another process has written since (WAL).
const retryable = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
])

export async function inTransaction<T>(
  db: Database,
  work: (trx: Transaction<DB>) => Promise<T>,
  tries = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work)
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt >= tries || !code || !retryable.has(code)) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20))
    }
  }
}
