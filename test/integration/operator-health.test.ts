// /healthy/details: the operator's view of every dependency, bounded in time.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

async function operator(site: Awaited<ReturnType<typeof createTestSite>>) {
  const admin = await signUp(site.app, 'operator')
  await site.app.db
    .updateTable('user')
    .set({ is_admin: 1 })
    .where('name', '=', 'operator')
    .execute()
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
      assert.deepEqual(Object.keys(health.jobs.details).sort(), ['maintenance', 'social'])
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
