// Reads MariaDB's `ANALYZE FORMAT=JSON` of a SELECT (the plan, run for real: the rows each table
// access actually read next to the optimizer's estimate) and judges it against the rules of a
// page that must cost the same at any size of the data.
import type { Connection } from 'mysql2/promise'

/** One table access of a plan, wherever it sits (joins, subqueries, sorts, unions). */
export interface TableAccess {
  table: string
  access: string
  key: string | undefined
  /** The optimizer's estimate of rows per loop. */
  estimate: number
  /** Rows actually read, over all loops (r_loops × r_rows). */
  read: number
  /** The access feeds a sort of its rows (filesort), not the order of an index. */
  sorted: boolean
}

function tableAccesses(node: unknown, sorted = false, out: TableAccess[] = []): TableAccess[] {
  if (Array.isArray(node)) {
    for (const child of node) tableAccesses(child, sorted, out)
    return out
  }
  if (node === null || typeof node !== 'object') return out
  const record = node as Record<string, unknown>
  if (typeof record.table_name === 'string' && typeof record.access_type === 'string') {
    out.push({
      table: record.table_name,
      access: record.access_type,
      key: typeof record.key === 'string' ? record.key : undefined,
      estimate: Number(record.rows ?? 0),
      read: Math.round(Number(record.r_loops ?? 0) * Number(record.r_rows ?? 0)),
      sorted,
    })
  }
  for (const [key, value] of Object.entries(record)) {
    tableAccesses(value, sorted || key === 'filesort', out)
  }
  return out
}

export async function analyze(
  connection: Connection,
  statement: string,
  parameters: readonly unknown[],
): Promise<TableAccess[]> {
  const [rows] = await connection.query(`analyze format=json ${statement}`, [
    ...parameters,
  ] as unknown[] as string[])
  const plan = JSON.parse(String((rows as Array<Record<string, unknown>>)[0]?.ANALYZE))
  // The plan names a table by its alias in the statement: the rules are about tables.
  const tables = aliases(statement)
  return tableAccesses(plan).map((a) => ({ ...a, table: tables.get(a.table) ?? a.table }))
}

const NOT_ALIASES = new Set(
  'where on inner left right cross join order group limit union using force use ignore natural set straight_join having window for lock'.split(
    ' ',
  ),
)

/** alias -> table, from every `from T A`, `from T as A` and `join T as A` of a statement. */
function aliases(statement: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const m of statement.matchAll(/\b(?:from|join)\s+`?(\w+)`?(?:\s+(?:as\s+)?`?(\w+)`?)?/gi)) {
    const [, table, alias] = m
    if (table && alias && !NOT_ALIASES.has(alias.toLowerCase())) map.set(alias, table)
  }
  return map
}

export interface PlanRules {
  /** Tables that grow with posts or people: the rules apply to these. */
  bigTables: ReadonlySet<string>
  /** Most rows one access of a big table may read for one request. */
  maxRowsRead: number
  /** Most rows of a big table a sort may take in (a page's worth of looked-up rows is fine). */
  maxRowsSorted: number
}

/** What is wrong with the plan, one line per table access; empty when it is fine. */
export function judgePlan(accesses: readonly TableAccess[], rules: PlanRules): string[] {
  const problems: string[] = []
  for (const a of accesses) {
    if (!rules.bigTables.has(a.table)) continue
    const where = `${a.table} (${a.access}${a.key ? ` on ${a.key}` : ''}, read ${a.read}, estimate ${a.estimate})`
    // A full scan; a whole-index walk passes only when a LIMIT stops it early (read small).
    if (a.access === 'ALL') problems.push(`full table scan of ${where}`)
    else if (a.access === 'index' && a.read > rules.maxRowsRead)
      problems.push(`full index scan of ${where}`)
    else if (a.read > rules.maxRowsRead) problems.push(`too many rows read from ${where}`)
    if (a.sorted && a.read > rules.maxRowsSorted) problems.push(`filesort of ${where}`)
  }
  return problems
}
