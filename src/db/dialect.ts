// Everything that differs between MySQL and SQLite, in one place. Repositories call these
// helpers instead of branching on the dialect themselves.
import {
  type InsertQueryBuilder,
  type Kysely,
  MysqlAdapter,
  type RawBuilder,
  type SelectQueryBuilder,
  sql,
} from 'kysely'
import type { DB } from './schema.js'

export function isMysql(db: { getExecutor(): { adapter: unknown } }): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter
}

/** A UTC datetime as stored in both dialects: 'YYYY-MM-DD HH:MM:SS'. */
export function toDbDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

export function fromDbDateTime(value: string): Date {
  return new Date(`${value.replace(' ', 'T')}Z`)
}

/** Now, optionally shifted by some seconds, as a database datetime. */
export function dbNow(offsetSeconds = 0): string {
  return toDbDateTime(new Date(Date.now() + offsetSeconds * 1000))
}

/** Neither driver binds JS booleans the same way (better-sqlite3 refuses them): write 1/0. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0
}

/** Insert, or update the given columns when a unique key already holds the row. */
export function upsert<DB, TB extends keyof DB & string, O>(
  db: Kysely<DB>,
  query: InsertQueryBuilder<DB, TB, O>,
  conflictColumns: readonly string[],
  update: Parameters<InsertQueryBuilder<DB, TB, O>['onDuplicateKeyUpdate']>[0],
): InsertQueryBuilder<DB, TB, O> {
  if (isMysql(db)) return query.onDuplicateKeyUpdate(update)
  // biome-ignore lint/suspicious/noExplicitAny: column names are checked by the caller's table type
  return query.onConflict((oc) => oc.columns(conflictColumns as any).doUpdateSet(update as any))
}

/**
 * A table read through the named index (MySQL `force index`, SQLite `indexed by`). For
 * `a = ? and b > ?` over an index on (a, b), MariaDB 10.11 may pick a look-up on `a` alone when
 * its estimates tie, reading every entry of `a` and filtering `b` afterwards; with the index
 * forced it seeks the range on both columns.
 */
export function tableByIndex(db: Kysely<DB>, table: keyof DB & string, index: string) {
  return isMysql(db)
    ? sql`${sql.table(table)} force index (${sql.id(index)})`
    : sql`${sql.table(table)} indexed by ${sql.id(index)}`
}

/**
 * Rows locked for this transaction, skipping those another transaction holds (MySQL `for
 * update skip locked`). SQLite has no such clause and needs none: it has one writer at a time,
 * and a transaction that read rows another has changed since fails at its first write
 * (SQLITE_BUSY_SNAPSHOT, in WAL mode) and is tried again by inTransaction.
 */
export function lockedSkippingOthers<QB extends SelectQueryBuilder<DB, keyof DB, object>>(
  db: Kysely<DB>,
  query: QB,
): QB {
  return isMysql(db) ? (query.forUpdate().skipLocked() as QB) : query
}

/**
 * Rows write-locked until the transaction ends (MySQL `for update`), so that what is read and
 * then written cannot change in between. SQLite needs no lock, for the reasons above.
 */
export function lockedForWrite<QB extends { forUpdate(): QB }>(db: Kysely<DB>, query: QB): QB {
  return isMysql(db) ? query.forUpdate() : query
}

/**
 * Write-locks one row until the transaction ends (MySQL), to take locks in a chosen order
 * before statements that would take them in another. SQLite's writers are serial already:
 * there nothing runs.
 */
export async function lockRow(db: Kysely<DB>, table: 'user' | 'shake', id: number): Promise<void> {
  if (!isMysql(db)) return
  await db.selectFrom(table).select('id').where('id', '=', id).forUpdate().execute()
}

/**
 * Adds `delta` to an integer column of the rows with these ids, in one statement, and returns
 * the column of row `reportedId` as that statement left it (0 when the statement left that
 * row alone), with no further round trip: MySQL has no UPDATE ... RETURNING, so the value
 * rides in the answer's insert id (LAST_INSERT_ID(expr)); SQLite returns it. `condition`
 * narrows the rows changed.
 */
export async function addReportingOne(
  db: Kysely<DB>,
  change: {
    table: keyof DB & string
    column: string
    ids: readonly number[]
    delta: number
    reportedId: number
    condition: RawBuilder<unknown>
  },
): Promise<number> {
  const { delta, reportedId, condition } = change
  const table = sql.table(change.table)
  const ref = sql.ref(change.column)
  const ids = sql.join(change.ids)
  if (isMysql(db)) {
    const result = await sql`update ${table}
      set ${ref} = case when id = ${reportedId} then last_insert_id(${ref} + ${delta}) else ${ref} + ${delta} end
      where id in (${ids}) ${condition}`.execute(db)
    return Number(result.insertId ?? 0n)
  }
  const { rows } = await sql<{ id: number; n: number }>`update ${table}
    set ${ref} = ${ref} + ${delta}
    where id in (${ids}) ${condition}
    returning id, ${ref} as n`.execute(db)
  return rows.find((r) => r.id === reportedId)?.n ?? 0
}

/** True when the error is a unique-key violation, whichever driver raised it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}

/**
 * Why the driver could not reach the database, in words an operator can act on, or undefined
 * when the error is not about reaching it. `where` is the host and port (or the file).
 */
export function unreachableReason(error: unknown, where: string): string | undefined {
  const { code, sqlMessage } = (error ?? {}) as { code?: unknown; sqlMessage?: unknown }
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${where} (connection refused): is the database server running there?`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${where} could not be found`
    case 'ETIMEDOUT':
    case 'PROTOCOL_SEQUENCE_TIMEOUT':
      return `${where} did not answer in time`
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
      return `${where} closed the connection: is it a MySQL server?`
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `${String(sqlMessage ?? 'access denied')}: check the user name and password`
    case 'ER_DBACCESS_DENIED_ERROR':
      return `${String(sqlMessage ?? 'access denied')}: grant the user rights on the database`
    case 'ER_BAD_DB_ERROR':
      return `${String(sqlMessage ?? 'unknown database')}: create it, then run npm run migrate`
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
    case 'EACCES':
    case 'EROFS':
    case 'ENOTDIR':
      return `the SQLite file could not be opened (${String(code)})`
    default:
      return undefined
  }
}
