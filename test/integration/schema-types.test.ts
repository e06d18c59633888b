// src/db/schema.ts is written by hand; the migrations are what the database really has. This
// holds one against the other, table by table and column by column, on the run's dialect.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ColumnMetadata, type Kysely, sql, type TableMetadata } from 'kysely'
import type { DB } from '../../src/db/schema.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { type DeclaredSchema, readDeclaredSchema } from '../helpers/declared-schema.js'

const schemaFile = path.resolve(import.meta.dirname, '../../src/db/schema.ts')

describe(`schema types against the migrated database (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let tables: TableMetadata[]
  let declared: DeclaredSchema
  const primaryKeys = new Map<string, string[]>()
  before(async () => {
    site = await createTestSite()
    tables = (await site.app.db.introspection.getTables()).filter((table) => !table.isView)
    for (const table of tables) {
      primaryKeys.set(table.name, await primaryKeyOf(site.app.db, table.name))
    }
    declared = readDeclaredSchema(schemaFile)
  })
  const inPrimaryKey = (table: string, column: string) =>
    primaryKeys.get(table)?.includes(column) ?? false
  // SQLite's INTEGER PRIMARY KEY is the rowid: filled in when an insert leaves it out.
  const isRowid = (table: TableMetadata, column: ColumnMetadata) =>
    !onMysql &&
    primaryKeys.get(table.name)?.length === 1 &&
    inPrimaryKey(table.name, column.name) &&
    column.dataType.toLowerCase() === 'integer'
  after(() => site.close())

  it('declares every table the migrations make, and no other', () => {
    assert.deepEqual(
      [...declared.keys()].sort(),
      tables.map((table) => table.name).sort(),
      'DB in src/db/schema.ts lists exactly the migrated tables',
    )
  })

  it('declares every column of each table, and no other', () => {
    const mismatches: string[] = []
    for (const table of tables) {
      const columns = declared.get(table.name)
      if (!columns) continue
      const inDatabase = new Set(table.columns.map((column) => column.name))
      for (const name of inDatabase) {
        if (!columns.has(name)) mismatches.push(`${table.name}.${name} is not declared`)
      }
      for (const name of columns.keys()) {
        if (!inDatabase.has(name)) mismatches.push(`${table.name}.${name} is not in the database`)
      }
    }
    assert.deepEqual(mismatches, [])
  })

  it('says a column may be NULL exactly when the database lets it be', () => {
    const mismatches: string[] = []
    for (const table of tables) {
      for (const column of table.columns) {
        const type = declared.get(table.name)?.get(column.name)
        if (!type) continue
        // A key column is never NULL on MySQL. SQLite reports one as nullable unless it was
        // declared NOT NULL too (a legacy quirk of non-integer keys); the type follows MySQL.
        const nullable = column.isNullable && !inPrimaryKey(table.name, column.name)
        if (type.nullable !== nullable) {
          mismatches.push(
            `${table.name}.${column.name}: declared ${type.nullable ? '' : 'not '}nullable, ` +
              `the database says ${nullable ? '' : 'not '}nullable`,
          )
        }
      }
    }
    assert.deepEqual(mismatches, [])
  })

  it('marks a column Generated only when an insert may leave it out', () => {
    const mismatches: string[] = []
    for (const table of tables) {
      for (const column of table.columns) {
        const type = declared.get(table.name)?.get(column.name)
        if (!type?.generated) continue
        const omittable =
          column.hasDefaultValue ||
          column.isAutoIncrementing ||
          column.isNullable ||
          isRowid(table, column)
        if (!omittable) {
          mismatches.push(`${table.name}.${column.name} is Generated but has no default`)
        }
      }
    }
    assert.deepEqual(mismatches, [])
  })
})

async function primaryKeyOf(db: Kysely<DB>, table: string): Promise<string[]> {
  // SHOW KEYS, not information_schema: the latter builds a temporary table on disk, which failed
  // once in CI ("Error on delete of /tmp/#sql-temptable…") while other suites ran beside it.
  if (onMysql) {
    const { rows } = await sql<{
      Key_name: string
      Column_name: string
    }>`show keys from ${sql.table(table)}`.execute(db)
    return rows.filter((row) => row.Key_name === 'PRIMARY').map((row) => row.Column_name)
  }
  const { rows } = await sql<{
    name: string
  }>`select name from pragma_table_info(${table}) where pk > 0`.execute(db)
  return rows.map((row) => row.name)
}
