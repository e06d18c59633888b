// Migration 0009 moves the operators' is_admin flag into user.role, and back down again.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Kysely, Migrator, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { freshEnvironment, onMysql } from '../helpers/app.js'

describe(`migration 0009_moderation (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  // biome-ignore lint/suspicious/noExplicitAny: the schema changes under this test
  let db: Kysely<any>
  let drop: () => Promise<void>
  let migrator: Migrator
  before(async () => {
    const fresh = await freshEnvironment({ migrate: false })
    drop = fresh.drop
    db = openDatabase(loadConfig(fresh.env).database)
    migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  })
  after(async () => {
    await db.destroy()
    await drop()
  })

  it('makes every is_admin user an admin and everyone else a member', async () => {
    const before = await migrator.migrateTo('2026_11_26_0006_group_shakes')
    assert.equal(before.error, undefined)
    for (const [name, admin] of [
      ['op', 1],
      ['plain', 0],
    ] as const) {
      await sql`insert into ${sql.table('user')} (name, email, hashed_password, is_admin, created_at, updated_at)
        values (${name}, ${`${name}@example.com`}, 'x', ${admin}, '2026-11-26 00:00:00', '2026-11-26 00:00:00')`.execute(
        db,
      )
    }
    const up = await migrator.migrateTo('2026_11_26_0009_moderation')
    assert.equal(up.error, undefined)
    const roles = await db.selectFrom('user').select(['name', 'role']).orderBy('name').execute()
    assert.deepEqual(roles, [
      { name: 'op', role: 'admin' },
      { name: 'plain', role: 'member' },
    ])
    const columns = (await db.introspection.getTables()).find((t) => t.name === 'user')?.columns
    assert.equal(
      columns?.some((c) => c.name === 'is_admin'),
      false,
      'is_admin is gone',
    )

    const down = await migrator.migrateDown()
    assert.equal(down.error, undefined)
    const flags = await db.selectFrom('user').select(['name', 'is_admin']).orderBy('name').execute()
    assert.deepEqual(
      flags.map((f) => [f.name, Number(f.is_admin)]),
      [
        ['op', 1],
        ['plain', 0],
      ],
    )
  })
})
