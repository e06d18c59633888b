// The outbox and the queue disagreeing, as they do when Redis or the database goes away at the
// wrong moment: an add that reached Redis although its answer was lost (the relay hands the row
// back), and a job that finished while its outcome could not be written to the row. Either way
// the row must end done, not wait for ever on a job that already ran.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js'
import { insertOutbox } from '../../src/repositories/outbox.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { eventually } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { quietLog } from '../helpers/social.js'

describe('outbox and queue disagreeing', async () => {
  const skip = await skipUnless('Redis', redisUrl)
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  async function webSite(): Promise<TestSite> {
    const site = await createTestSite({ REDIS_URL: redisUrl })
    cleanups.push(() => site.close())
    return site
  }

  async function startWorker(site: TestSite): Promise<JobRuntime> {
    const db = openDatabase(site.config.database)
    const worker = await createJobRuntime(site.config, db, quietLog, { role: 'worker' })
    cleanups.push(async () => {
      await worker.close()
      await db.destroy()
    })
    return worker
  }

  const statusOf = async (site: TestSite, id: number) =>
    (
      await site.app.db
        .selectFrom('outbox')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status

  /** A harmless job, relayed to the queue by the web node, waiting there (no worker yet). */
  async function relayedRow(site: TestSite): Promise<number> {
    const id = await insertOutbox(site.app.db, 'recount', { postIds: [] })
    site.app.jobs.kick()
    // The row is marked relayed as it is claimed, before the add: wait for the job itself.
    await eventually(
      async () =>
        (await site.app.jobs.queueHealth().catch(() => undefined))?.maintenance?.waiting === 1,
      10_000,
      'the job in the queue',
    )
    assert.equal(await statusOf(site, id), 'relayed')
    return id
  }

  it('a job whose row was handed back (the add answered with an error) finishes the row when it runs', {
    skip,
  }, async () => {
    const site = await webSite()
    const id = await relayedRow(site)
    // What the relay does when the add's answer is lost: the row waits to be sent again.
    await site.app.db
      .updateTable('outbox')
      .set({ status: 'pending', available_at: '2999-01-01 00:00:00' })
      .where('id', '=', id)
      .execute()
    await startWorker(site)
    await eventually(async () => (await statusOf(site, id)) === 'done', 10_000, 'the row done')
  })

  it('a row left relayed after its job completed is marked done by the recheck', {
    skip,
  }, async () => {
    const site = await webSite()
    const id = await relayedRow(site)
    await startWorker(site)
    await eventually(async () => (await statusOf(site, id)) === 'done', 10_000, 'the row done')
    // The worker writes the row's outcome inside the job, before BullMQ records the job as
    // completed: until it has, the recheck rightly takes the job as still held.
    await eventually(
      async () => {
        const maintenance = (await site.app.jobs.queueHealth()).maintenance
        return maintenance?.active === 0 && maintenance.waiting === 0
      },
      10_000,
      'the job completed in the queue',
    )
    // The job completed, but say the database was away when the worker wrote the outcome.
    await site.app.db
      .updateTable('outbox')
      .set({ status: 'relayed', updated_at: '2000-01-01 00:00:00' })
      .where('id', '=', id)
      .execute()
    assert.equal(await site.app.jobs.relay.recoverLost(), 1)
    assert.equal(await statusOf(site, id), 'done')
  })

  it('a row whose job is gone from Redis is sent again', { skip }, async () => {
    const site = await webSite()
    const id = await relayedRow(site)
    await site.app.db
      .updateTable('outbox')
      .set({ updated_at: '2000-01-01 00:00:00' })
      .where('id', '=', id)
      .execute()
    assert.equal(await site.app.jobs.relay.recoverLost(), 0, 'a waiting job is left alone')
    assert.equal(await statusOf(site, id), 'relayed')
    // Redis forgets the queue (restarted empty).
    const { Redis } = await import('ioredis')
    const redis = new Redis(redisUrl)
    const keys = await redis.keys(`${site.config.redisPrefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    assert.equal(await site.app.jobs.relay.recoverLost(), 1)
    await startWorker(site)
    await eventually(async () => (await statusOf(site, id)) === 'done', 10_000, 'the row done')
  })
})
