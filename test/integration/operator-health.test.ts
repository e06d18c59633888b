// /healthy/details: the operator's view of every dependency, bounded in time.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

async function operator(site: Awaited<ReturnType<typeof createTestSite>>) {
  const admin = await signUp(site.app, 'operator')
  await grantRole(site.app, 'operator', 'admin')
  return admin
}

describe('/healthy/details', async () => {
  const skipRedis = await skipUnless('Redis', redisUrl)

  it('is for operators only, and reports the embedded setup', async () => {
    const site = await createTestSite()
    try {
      assert.equal((await new Browser(site.app).get('/healthy/details')).statusCode, 302)
      const user = await signUp(site.app, 'someone')
      assert.equal((await user.get('/healthy/details')).statusCode, 403)
      const admin = await operator(site)
      await settle(site.app) // the sign-ups' mail
      const response = await admin.get('/healthy/details', { accept: 'application/json' })
      assert.equal(response.statusCode, 200)
      const health = response.json()
      assert.equal(health.ok, true)
      assert.equal(health.database.ok, true)
      assert.deepEqual([health.files.ok, health.files.store], [true, 'local'])
      assert.deepEqual([health.jobs.ok, health.jobs.runner], [true, 'in-process'])
      assert.deepEqual(health.outbox.details, {
        pending: 0,
        relayed: 0,
        dead: 0,
        oldestWaitingSeconds: 0,
      })
    } finally {
      await site.close()
    }
  })

  it('reports BullMQ queues, S3, and a Redis that is away, without hanging', {
    skip: skipRedis,
  }, async () => {
    const site = await createTestSite({ REDIS_URL: redisUrl }, { s3: true })
    try {
      const admin = await operator(site)
      const health = (await admin.get('/healthy/details')).json()
      assert.equal(health.ok, true, JSON.stringify(health))
      assert.deepEqual([health.files.ok, health.files.store], [true, 's3'])
      assert.equal(health.jobs.runner, 'bullmq')
      assert.deepEqual(Object.keys(health.jobs.details).sort(), [
        'mail',
        'maintenance',
        'media',
        'social',
      ])
      assert.equal(typeof health.jobs.details.social.stalled, 'number')
      assert.equal(typeof health.jobs.details.social.waiting, 'number')
    } finally {
      await site.close()
    }
    const broken = await createTestSite({ REDIS_URL: 'redis://127.0.0.1:1' })
    try {
      const admin = await operator(broken)
      const started = Date.now()
      const response = await admin.get('/healthy/details')
      assert.ok(Date.now() - started < 4000, 'bounded in time')
      assert.equal(response.statusCode, 200, 'the database answers, so the page does')
      const health = response.json()
      assert.equal(health.ok, false)
      assert.equal(health.database.ok, true)
      assert.equal(health.jobs.ok, false)
      assert.ok(health.jobs.error)
    } finally {
      await broken.close()
    }
  })
})

describe('/admin/queues', async () => {
  const skipRedis = await skipUnless('Redis', redisUrl)

  it('lists dead outbox rows, and retries or discards them', async () => {
    const site = await createTestSite()
    try {
      const admin = await operator(site)
      const someone = await signUp(site.app, 'someone')
      assert.equal((await someone.get('/admin/queues')).statusCode, 403)
      const ids = await site.app.db.selectFrom('user').select('id').orderBy('id').execute()
      const now = '2026-01-01 00:00:00'
      for (const error of ['boom one', 'boom two']) {
        await site.app.db
          .insertInto('outbox')
          .values({
            job: 'after-follow',
            payload: JSON.stringify({ userId: ids[1]?.id, shakeId: 1 }),
            status: 'dead',
            attempts: 6,
            available_at: now,
            last_error: error,
            created_at: now,
            updated_at: now,
          })
          .execute()
      }
      const page = await admin.get('/admin/queues')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /2 dead/)
      assert.match(page.body, /after-follow \(6 attempts\): boom one/)
      const [first, second] = await site.app.db
        .selectFrom('outbox')
        .select('id')
        .where('job', '=', 'after-follow')
        .orderBy('id')
        .execute()
      assert.equal((await admin.post(`/admin/outbox/${first?.id}/retry`, {})).statusCode, 303)
      await site.app.jobs.drain()
      const retried = await site.app.db
        .selectFrom('outbox')
        .select('status')
        .where('id', '=', first?.id as number)
        .executeTakeFirstOrThrow()
      assert.equal(retried.status, 'done', 'the retried work ran')
      await admin.get('/admin/queues')
      assert.equal((await admin.post(`/admin/outbox/${second?.id}/discard`, {})).statusCode, 303)
      assert.equal(
        (
          await site.app.db
            .selectFrom('outbox')
            .select('id')
            .where('id', '=', second?.id as number)
            .execute()
        ).length,
        0,
      )
      assert.equal((await admin.post(`/admin/outbox/${second?.id}/discard`, {})).statusCode, 404)
      assert.equal((await admin.post('/admin/outbox/1/explode', {})).statusCode, 404)
    } finally {
      await site.close()
    }
  })

  it('counts a job whose worker died as stalled', { skip: skipRedis }, async () => {
    const site = await createTestSite({ REDIS_URL: redisUrl })
    const { Queue, Worker } = await import('bullmq')
    const { eventually } = await import('../helpers/jobs.js')
    const connection = { url: redisUrl }
    const prefix = site.config.redisPrefix
    const queue = new Queue('social', { connection, prefix })
    let started = false
    // A worker that takes the job and then vanishes without finishing it or letting go.
    const doomed = new Worker(
      'social',
      async () => {
        started = true
        await new Promise(() => {})
      },
      { connection, prefix, lockDuration: 1000, stalledInterval: 60_000 },
    )
    try {
      await queue.add('after-like', { payload: {} })
      await eventually(async () => started, 10_000, 'the worker to take the job')
      await doomed.close(true)
      const admin = await operator(site)
      await eventually(
        async () => (await site.app.jobs.queueHealth()).social?.stalled === 1,
        10_000,
        'the lock to lapse',
      )
      assert.match(
        (await admin.get('/admin/queues')).body,
        /<th scope="row">social<\/th><td>0<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>1<\/td>/,
      )
    } finally {
      await queue.obliterate({ force: true })
      await queue.close()
      await site.close()
    }
  })

  it('lists failed BullMQ jobs, and retries or discards them', { skip: skipRedis }, async () => {
    const site = await createTestSite({ REDIS_URL: redisUrl })
    const { openDatabase } = await import('../../src/db/database.js')
    const { createJobRuntime } = await import('../../src/jobs/runtime.js')
    const { Queue } = await import('bullmq')
    const db = openDatabase(site.config.database)
    const quiet = { info() {}, warn() {}, error() {} }
    const worker = await createJobRuntime(site.config, db, quiet, { role: 'worker' })
    const queue = new Queue('social', {
      connection: { url: redisUrl },
      prefix: site.config.redisPrefix,
    })
    try {
      const admin = await operator(site)
      await queue.add('no-such-job', { payload: {} }, { attempts: 1 })
      const { eventually } = await import('../helpers/jobs.js')
      await eventually(async () => (await queue.getFailedCount()) === 1, 10_000, 'the job to fail')
      const page = await admin.get('/admin/queues')
      assert.match(page.body, /social · no-such-job \(1 attempts\): unknown job no-such-job/)
      const [failed] = await queue.getFailed()
      assert.equal(
        (await admin.post(`/admin/queues/social/${failed?.id}/retry`, {})).statusCode,
        303,
      )
      await eventually(
        async () => (await queue.getFailedCount()) === 1 && (await queue.getWaitingCount()) === 0,
        10_000,
        'the retry to fail again',
      )
      await admin.get('/admin/queues')
      assert.equal(
        (await admin.post(`/admin/queues/social/${failed?.id}/discard`, {})).statusCode,
        303,
      )
      assert.equal(await queue.getFailedCount(), 0)
      assert.equal(
        (await admin.post(`/admin/queues/social/${failed?.id}/discard`, {})).statusCode,
        404,
      )
    } finally {
      await queue.close()
      await worker.close()
      await db.destroy()
      await site.close()
    }
  })
})
