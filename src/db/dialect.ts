// Everything that differs between MySQL and SQLite, in one place. Repositories call these
// helpers instead of branching on the dialect themselves.
import { type InsertQueryBuilder, type Kysely, MysqlAdapter } from 'kysely'

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

/** True when the error is a unique-key violation, whichever driver raised it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
}
