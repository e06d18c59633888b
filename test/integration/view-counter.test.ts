// Views counted in memory reach the database even when a flush fails: the counts wait for the
// next one instead of being dropped.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { ViewCounter } from '../../src/services/view-counter.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { post } from '../helpers/social.js'

describe('view counter', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite()
  })
  after(() => site.close())

  const rename = (from: string, to: string) =>
    onMysql
      ? sql`rename table ${sql.table(from)} to ${sql.table(to)}`.execute(site.app.db)
      : sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(site.app.db)

  const viewCount = async (id: number) =>
    (
      await site.app.db
        .selectFrom('sharedfile')
        .select('view_count')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).view_count

  it('keeps the counts of a failed flush for the next one', async () => {
    const alice = await signUp(site.app, 'viewcounted')
    const key = await post(alice, 'counted')
    const id = idFromShareKey(key) as number
    const warnings: object[] = []
    const counter = new ViewCounter(site.app.db, { warn: (details) => warnings.push(details) })
    for (let i = 0; i < 3; i++) counter.record(id)

    await rename('sharedfile', 'sharedfile_away')
    try {
      await assert.rejects(counter.flush())
    } finally {
      await rename('sharedfile_away', 'sharedfile')
    }
    counter.record(id)
    await counter.flush()
    assert.equal(await viewCount(id), 4, 'the three views of the failed flush were written later')
    await counter.flush()
    assert.equal(await viewCount(id), 4, 'and written once')
  })
})
