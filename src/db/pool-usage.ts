// How many database connections are in use and how many callers wait for one: the number that
// says whether a node is short of connections before its requests slow down. Kysely's driver
// is wrapped where connections are taken and given back, so it counts for both dialects
// (SQLite has one connection: in use is 0 or 1, and waiting is the queue for it).
import type { DatabaseConnection, Dialect, Driver } from 'kysely'

export interface PoolUsage {
  inUse: number
  waiting: number
  /** Most connections the pool opens. */
  size: number
}

const usageOf = new WeakMap<object, PoolUsage>()

/** The dialect, counting its connections into `usage`. */
export function countedDialect(dialect: Dialect, usage: PoolUsage): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => countedDriver(dialect.createDriver(), usage),
  }
}

function countedDriver(driver: Driver, usage: PoolUsage): Driver {
  const acquire = driver.acquireConnection.bind(driver)
  const release = driver.releaseConnection.bind(driver)
  driver.acquireConnection = async (): Promise<DatabaseConnection> => {
    usage.waiting++
    try {
      const connection = await acquire()
      usage.inUse++
      return connection
    } finally {
      usage.waiting--
    }
  }
  driver.releaseConnection = async (connection: DatabaseConnection): Promise<void> => {
    usage.inUse--
    await release(connection)
  }
  return driver
}

export function recordPoolUsage(db: object, usage: PoolUsage): void {
  usageOf.set(db, usage)
}

/** The pool usage of a database opened by openDatabase (zeros for any other). */
export function poolUsage(db: object): Readonly<PoolUsage> {
  return usageOf.get(db) ?? { inUse: 0, waiting: 0, size: 0 }
}
