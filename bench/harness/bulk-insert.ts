// Writing a seeded data set fast: rows streamed from generators into multi-row INSERTs, many
// statements per transaction, and (MySQL) the big tables' secondary indexes dropped for the load
// and rebuilt once at the end, one ALTER per table.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../../src/db/schema.js'

export type Row = Record<string, string | number | null>

/**
 * Inserts rows in multi-row statements, many statements per transaction. The rows are consumed
 * as they come: a generator of ten million rows never sits in memory. Returns the rows written.
 */
export async function bulkInsert(
  db: Kysely<DB>,
  table: keyof DB,
  rows: Iterable<Row>,
  columns: number,
): Promise<number> {
  const perStatement = Math.max(50, Math.floor(20_000 / columns))
  const perTransaction = perStatement * 20
  let batch: Row[] = []
  let inTransaction = 0
  let written = 0
  const flush = async () => {
    if (batch.length === 0) return
    if (inTransaction === 0) await sql`begin`.execute(db)
    await db
      .insertInto(table)
      // biome-ignore lint/suspicious/noExplicitAny: one helper for every table
      .values(batch as any)
      .execute()
    inTransaction += batch.length
    written += batch.length
    batch = []
    if (inTransaction >= perTransaction) {
      await sql`commit`.execute(db)
      inTransaction = 0
    }
  }
  for (const row of rows) {
    batch.push(row)
    if (batch.length >= perStatement) await flush()
  }
  await flush()
  if (inTransaction > 0) await sql`commit`.execute(db)
  return written
}

const BIG_TABLES = [
  'sharedfile',
  'shakesharedfile',
  'favorite',
  'comment',
  'subscription',
  'post',
  'post_word',
]

/**
 * MySQL: drops the secondary indexes of the big tables, to be rebuilt once after the load (one
 * sorted build per index is far faster than keeping each up to date row by row). Returns the
 * statements that put them back: one ALTER per table for the ordinary indexes (InnoDB reads the
 * table once for all of them), one per FULLTEXT index (InnoDB builds those one at a time).
 */
export async function deferIndexes(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{
    table_name: string
    index_name: string
    non_unique: number
    index_type: string
    column_name: string
  }>`select table_name, index_name, non_unique, index_type, column_name
     from information_schema.statistics
     where table_schema = database() and index_name <> 'PRIMARY'
       and table_name in (${sql.join(BIG_TABLES)})
     order by table_name, index_name, seq_in_index`.execute(db)
  const indexes = new Map<string, { table: string; kind: string; columns: string[] }>()
  for (const row of rows) {
    const key = `${row.table_name}.${row.index_name}`
    const kind = row.index_type === 'FULLTEXT' ? 'fulltext ' : row.non_unique ? '' : 'unique '
    const index = indexes.get(key) ?? { table: row.table_name, kind, columns: [] }
    index.columns.push(`\`${row.column_name}\``)
    indexes.set(key, index)
  }
  const ordinary = new Map<string, string[]>()
  const fulltext: string[] = []
  for (const [key, index] of indexes) {
    const name = key.slice(index.table.length + 1)
    // Foreign keys need an index on their columns: those stay.
    const dropped = await sql
      .raw(`alter table \`${index.table}\` drop index \`${name}\``)
      .execute(db)
      .then(
        () => true,
        () => false,
      )
    if (!dropped) continue
    const add = `add ${index.kind}index \`${name}\` (${index.columns.join(', ')})`
    if (index.kind === 'fulltext ') fulltext.push(`alter table \`${index.table}\` ${add}`)
    else ordinary.set(index.table, [...(ordinary.get(index.table) ?? []), add])
  }
  return [
    ...[...ordinary].map(([table, adds]) => `alter table \`${table}\` ${adds.join(', ')}`),
    ...fulltext,
  ]
}
