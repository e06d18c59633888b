// Views counted in memory reach the database even when a flush fails: the counts wait for the
// next one instead of being dropped.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { ViewCounter } from '../../src/services/view-counter.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { eventually } from '../helpers/jobs.js'
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

  /** A log that keeps what it is given, to check what the counter said. */
  const keptLog = () => {
    const lines: Array<{ level: string; details: object; message: string }> = []
    return {
      lines,
      warn: (details: object, message: string) => lines.push({ level: 'warn', details, message }),
      error: (details: object, message: string) => lines.push({ level: 'error', details, message }),
    }
  }

  async function postId(name: string): Promise<number> {
    const alice = await signUp(site.app, name)
    return idFromShareKey(await post(alice, 'counted')) as number
  }

  /** Runs `during` while the posts table is away, so every write of a view count fails. */
  async function withoutPostsTable(during: () => Promise<void>): Promise<void> {
    await rename('sharedfile', 'sharedfile_away')
    try {
      await during()
    } finally {
      await rename('sharedfile_away', 'sharedfile')
    }
  }

  it('keeps the counts of a failed flush for the next one', async () => {
    const id = await postId('viewcounted')
    const counter = new ViewCounter(site.app.db, keptLog())
    for (let i = 0; i < 3; i++) counter.record(id)

    await withoutPostsTable(() => assert.rejects(counter.flush()))
    counter.record(id)
    await counter.flush()
    assert.equal(await viewCount(id), 4, 'the three views of the failed flush were written later')
    await counter.flush()
    assert.equal(await viewCount(id), 4, 'and written once')
  })

  it('says so when a timed flush fails, and writes the views once the database is back', async () => {
    const id = await postId('viewtimed')
    const log = keptLog()
    const counter = new ViewCounter(site.app.db, log, { flushEveryMs: 50 })
    counter.start()
    try {
      await withoutPostsTable(async () => {
        counter.record(id, 5)
        await eventually(async () => log.lines.length > 0, 10_000, 'the failed flush logged')
      })
      assert.equal(log.lines[0]?.level, 'warn')
      assert.equal(log.lines[0]?.message, 'view counts not written yet')
      await eventually(async () => (await viewCount(id)) === 5, 10_000, 'the views written')
    } finally {
      await counter.stop()
    }
  })

  it('keeps at most a bounded number of posts waiting, and logs the views it could not keep', async () => {
    const [first, second, third] = [
      await postId('viewbound1'),
      await postId('viewbound2'),
      await postId('viewbound3'),
    ] as [number, number, number]
    const log = keptLog()
    const counter = new ViewCounter(site.app.db, log, { maxPendingPosts: 2 })
    await withoutPostsTable(async () => {
      counter.record(first, 3)
      counter.record(second)
      await assert.rejects(counter.flush())
      counter.record(first)
      counter.record(third, 2)
    })
    await counter.flush()
    assert.deepEqual(
      [await viewCount(first), await viewCount(second), await viewCount(third)],
      [4, 1, 0],
      'the posts already waiting kept counting; the one past the bound was not kept',
    )
    const dropped = log.lines.find((line) => line.level === 'error')
    assert.equal(dropped?.message, 'view counts dropped: too many posts waiting for the database')
    assert.deepEqual(dropped?.details, { droppedViews: 2, pendingPosts: 2 })
  })
})
