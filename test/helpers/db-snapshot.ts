// Everything a database holds, as one comparable string: the proof that a refused request
// changed nothing. Sessions are left out (reading a page may create or renew one).
import { sql } from 'kysely'
import type { Database } from '../../src/db/database.js'

export async function snapshot(
  db: Database,
  ignoredTables: readonly string[] = ['session'],
): Promise<string> {
  const tables = (await db.introspection.getTables())
    .map((table) => table.name)
    .filter((name) => !ignoredTables.includes(name) && !name.startsWith('kysely_'))
    .sort()
  const contents: Record<string, string[]> = {}
  for (const name of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)
    contents[name] = rows.rows.map((row) => JSON.stringify(row)).sort()
  }
  return JSON.stringify(contents)
}
