// The dialect layer and the schema behave the same on SQLite and MySQL.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime, isUniqueViolation, toDbDateTime } from '../../src/db/dialect.js'
import { migrateToLatest, pendingMigrations } from '../../src/db/migrator.js'
import { prepared } from '../../src/db/prepared.js'
import type { DB } from '../../src/db/schema.js'
import { findLiveSessionWithUser, saveSession } from '../../src/repositories/sessions.js'
import { insertToken } from '../../src/repositories/tokens.js'
import { insertUser } from '../../src/repositories/users.js'
import { sweepExpired } from '../../src/services/housekeeping.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { QueryCounter } from '../helpers/query-counter.js'

describe(`database (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let db: Kysely<DB>
  before(async () => {
    site = await createTestSite()
    db = site.app.db
  })
  after(() => site.close())

  it('is fully migrated, and migrating again changes nothing', async () => {
    assert.deepEqual(await pendingMigrations(db), [])
    const { results } = await migrateToLatest(db)
    assert.deepEqual(results, [])
  })

  it('keeps names and emails unique ignoring case in the schema itself', async () => {
    await insertUser(db, { name: 'CaseTest', email: 'case@example.com', hashedPassword: 'x' })
    await assert.rejects(
      insertUser(db, { name: 'casetest', email: 'other@example.com', hashedPassword: 'x' }),
      (error) => isUniqueViolation(error),
    )
    await assert.rejects(
      insertUser(db, { name: 'other', email: 'CASE@example.com', hashedPassword: 'x' }),
      (error) => isUniqueViolation(error),
    )
    const found = await db
      .selectFrom('user')
      .select('name')
      .where('name', '=', 'CASETEST')
      .executeTakeFirst()
    assert.equal(found?.name, 'CaseTest', 'lookups ignore case too')
  })

  it('stores datetimes as UTC whatever the process timezone', async () => {
    assert.notEqual(process.env.TZ, 'UTC', 'the suite runs away from UTC')
    const moment = new Date('2026-03-08T10:30:45.000Z')
    await saveSession(db, 'f'.repeat(64), {
      userId: null,
      data: '{}',
      expiresAt: toDbDateTime(new Date(Date.now() + 60_000)),
    })
    await db
      .updateTable('session')
      .set({ created_at: toDbDateTime(moment) })
      .where('id', '=', 'f'.repeat(64))
      .execute()
    const row = await db
      .selectFrom('session')
      .select('created_at')
      .where('id', '=', 'f'.repeat(64))
      .executeTakeFirstOrThrow()
    assert.equal(row.created_at, '2026-03-08 10:30:45')
    assert.equal(fromDbDateTime(row.created_at).toISOString(), moment.toISOString())
    assert.match(dbNow(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  })

  it('upserts the same way on both dialects', async () => {
    const id = 'a'.repeat(64)
    const expiresAt = dbNow(3600)
    await saveSession(db, id, { userId: null, data: '{"v":1}', expiresAt })
    await saveSession(db, id, { userId: null, data: '{"v":2}', expiresAt })
    const rows = await db.selectFrom('session').select('data').where('id', '=', id).execute()
    assert.deepEqual(rows, [{ data: '{"v":2}' }])
    assert.equal((await findLiveSessionWithUser(db, id))?.session.data, '{"v":2}')
  })

  it('does not return expired sessions', async () => {
    const id = 'b'.repeat(64)
    await saveSession(db, id, { userId: null, data: '{}', expiresAt: dbNow(-1) })
    assert.equal(await findLiveSessionWithUser(db, id), undefined)
  })

  it('reads a session with its live user in one statement', async () => {
    const userId = await insertUser(db, {
      name: 'sessioned',
      email: 'sessioned@example.com',
      hashedPassword: 'x',
    })
    const id = 'c'.repeat(64)
    await saveSession(db, id, { userId, data: '{"userId":1}', expiresAt: dbNow(3600) })
    const found = await findLiveSessionWithUser(db, id)
    assert.equal(found?.session.userId, userId)
    assert.equal(found?.user?.id, userId)
    assert.equal(found?.user?.name, 'sessioned')
    assert.ok(found?.user?.createdAt instanceof Date)
    await db.updateTable('user').set({ deleted: 1 }).where('id', '=', userId).execute()
    const gone = await findLiveSessionWithUser(db, id)
    assert.equal(gone?.session.userId, userId, 'the session is still there')
    assert.equal(gone?.user, undefined, 'but signs no one in')
  })

  it('sweeps expired sessions and dead tokens, and nothing else', async () => {
    const userId = await insertUser(db, {
      name: 'sweeper',
      email: 'sweeper@example.com',
      hashedPassword: 'x',
    })
    await saveSession(db, 'c'.repeat(64), { userId, data: '{}', expiresAt: dbNow(-5) })
    await saveSession(db, 'd'.repeat(64), { userId, data: '{}', expiresAt: dbNow(3600) })
    const token = { userId, purpose: 'reset_password' as const, email: null }
    await insertToken(db, { ...token, tokenHash: '1'.repeat(64), ttlSeconds: -5 })
    await insertToken(db, { ...token, tokenHash: '2'.repeat(64), ttlSeconds: 3600 })
    await sweepExpired(db)
    const sessions = await db
      .selectFrom('session')
      .select('id')
      .where('user_id', '=', userId)
      .execute()
    assert.deepEqual(sessions, [{ id: 'd'.repeat(64) }])
    const tokens = await db
      .selectFrom('user_token')
      .select('token_hash')
      .where('user_id', '=', userId)
      .execute()
    assert.deepEqual(tokens, [{ token_hash: '2'.repeat(64) }])
  })

  it('enforces foreign keys', async () => {
    await assert.rejects(
      db
        .insertInto('shake')
        .values({
          user_id: 999_999,
          type: 'user',
          name: 'orphan',
          created_at: dbNow(),
          updated_at: dbNow(),
        })
        .execute(),
    )
  })

  it('stores text outside the basic multilingual plane intact', async () => {
    const id = await insertUser(db, {
      name: 'emoji',
      email: 'emoji@example.com',
      hashedPassword: 'x',
    })
    await db.updateTable('user').set({ about: 'I like 🐈 and 漢字' }).where('id', '=', id).execute()
    const row = await db
      .selectFrom('user')
      .select('about')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.equal(row.about, 'I like 🐈 and 漢字')
  })
})

describe(`prepared statements (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let db: Kysely<DB>
  before(async () => {
    site = await createTestSite()
    db = site.app.db
    for (const name of ['ann', "o'brien", 'zed'])
      await insertUser(db, { name, email: `${name}@example.com`, hashedPassword: 'x' })
  })
  after(() => site.close())

  const byNameAndMinimumId = prepared(2, (db, name: string, minimumId: number) =>
    db
      .selectFrom('user')
      .select(['id', 'name'])
      .where('name', '=', name)
      .where('id', '>=', minimumId),
  )

  it('runs one compiled statement with each call’s own values, sent as parameters', async () => {
    const ann = await byNameAndMinimumId.executeTakeFirst(db, 'ann', 0)
    const quoted = await byNameAndMinimumId.executeTakeFirst(db, "o'brien", 0)
    assert.equal(ann?.name, 'ann')
    assert.equal(quoted?.name, "o'brien", 'a quote is a value, not SQL')
    assert.equal(
      await byNameAndMinimumId.executeTakeFirst(db, 'ann', (ann?.id ?? 0) + 1),
      undefined,
    )
    assert.equal(await byNameAndMinimumId.executeTakeFirst(db, "' or '1'='1", 0), undefined)
    // Inside a transaction too, on the transaction's connection.
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('user').set({ name: 'zoe' }).where('name', '=', 'zed').execute()
      assert.equal((await byNameAndMinimumId.executeTakeFirst(trx, 'zoe', 0))?.name, 'zoe')
    })
  })

  it('is built once, or at every call where plugins look at each statement', async () => {
    let builds = 0
    const byId = prepared(1, (db, id: number) => {
      builds++
      return db.selectFrom('user').select('name').where('id', '=', id)
    })
    const ids = (await db.selectFrom('user').select('id').orderBy('id').execute()).map((u) => u.id)
    for (const id of ids) assert.ok(await byId.executeTakeFirst(db, id))
    assert.equal(builds, 1, 'compiled once for all the calls')
    const counter = new QueryCounter()
    const counted = db.withPlugin(counter)
    const tally = await counter.measure(async () => {
      for (const id of ids) assert.ok(await byId.executeTakeFirst(counted, id))
    })
    assert.deepEqual(tally, { queries: ids.length, roundTrips: ids.length })
    assert.equal(builds, 1 + ids.length, 'built with its values for the plugins')
  })

  it('refuses a builder that does not use every argument as a value', async () => {
    const careless = prepared(2, (db, name: string, _unused: number) =>
      db.selectFrom('user').select('id').where('name', '=', name),
    )
    await assert.rejects(careless.execute(db, 'ann', 1), /lost 1 of its arguments/)
  })
})
