// A deliberately stuck queue: production mode (BullMQ on Redis) with every worker stopped and
// a job waiting. The web nodes' queue watch raises the alarm once the job is older than
// QUEUE_ALARM_SECONDS: in the log, on the operator pages, and as one Sentry event for the site.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Queue } from 'bullmq'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime } from '../../src/jobs/runtime.js'
import {
  flushErrorReports,
  startErrorReporting,
  stopErrorReporting,
} from '../../src/observability/error-reports.js'
import { signUp } from '../helpers/accounts.js'
import { buildSite, createTestSite } from '../helpers/app.js'
import { eventually } from '../helpers/jobs.js'
import { startSentryStub } from '../helpers/sentry.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { quietLog } from '../helpers/social.js'

const THRESHOLD_SECONDS = 2

describe('queue alarm', async () => {
  const skip = await skipUnless('Redis', redisUrl)

  it('fires for a queue with no workers, on the operator pages and in Sentry, once per site; worker failures are reported once', {
    skip,
  }, async () => {
    const sentry = await startSentryStub()
    // Both nodes' log lines: the one report per site is counted here, as the SDK in this one
    // process drops a repeated event on its own (its dedupe) and Sentry alone could not tell.
    const logged: Array<{ level: number; msg: string }> = []
    const logStream = { write: (line: string) => logged.push(JSON.parse(line)) }
    const site = await createTestSite(
      {
        REDIS_URL: redisUrl,
        SENTRY_DSN: sentry.dsn,
        QUEUE_ALARM_SECONDS: String(THRESHOLD_SECONDS),
        LOG_LEVEL: 'warn',
      },
      { server: { logStream } },
    )
    await startErrorReporting(site.config, 'web')
    // A second web node on the same database and Redis: both watch, one reports.
    const second = await buildSite(site.env, { logStream })
    try {
      // No worker runs. Signing up queues the verification mail: relayed to BullMQ, then stuck.
      const queuedAt = Date.now()
      const admin = await signUp(site.app, 'operator')
      await site.app.db.updateTable('user').set({ role: 'admin' }).execute()
      await eventually(
        // A queue's connection may still be coming up (BullMQ refuses commands until it is):
        // asked again, as the site's own callers do on their next check.
        async () => (await site.app.jobs.queueHealth().catch(() => undefined))?.mail?.waiting === 1,
        10_000,
        'the mail job to wait in its queue',
      )

      const alarmed = async () => sentry.events().some((e) => e.tags?.alarm === 'queue:mail')
      await eventually(
        async () => {
          await flushErrorReports(500)
          return alarmed()
        },
        20_000,
        'the alarm to reach Sentry',
      )
      const elapsed = (Date.now() - queuedAt) / 1000
      // Alarm at the threshold, checked every quarter of it: allow one check and a loaded machine.
      console.log(
        `# alarm received ${elapsed.toFixed(1)} s after the job was queued (threshold ${THRESHOLD_SECONDS} s)`,
      )
      assert.ok(elapsed > THRESHOLD_SECONDS, 'not before the job is older than the threshold')
      assert.ok(elapsed < THRESHOLD_SECONDS + 8, `alarm after ${elapsed} s`)

      const event = sentry.events().find((e) => e.tags?.alarm === 'queue:mail')
      assert.equal(event?.level, 'error')
      assert.match(event?.message ?? '', /Queue mail is stuck: its oldest waiting job is \d+ s old/)
      assert.equal(event?.contexts?.alarm?.thresholdSeconds, THRESHOLD_SECONDS)

      // Both nodes show it; the site reported it once.
      for (const node of [site.app, second]) {
        await eventually(
          async () => node.queueWatch.state().alarms.some((a) => a.key === 'queue:mail'),
          10_000,
          'each node to see the alarm',
        )
      }
      // Four more checks on each node (a threshold's worth): checks never overlap, so the one
      // that raised the alarm (and made or skipped its report) has finished, and the later
      // ones did not report it again.
      for (const node of [site.app, second]) {
        const checks = new Set([node.queueWatch.state().checkedAt])
        await eventually(
          async () => checks.add(node.queueWatch.state().checkedAt).size > 4,
          10_000,
          'four more checks on each node',
        )
      }
      await flushErrorReports()
      const reports = sentry.events().filter((e) => e.tags?.alarm === 'queue:mail')
      assert.equal(reports.length, 1, 'one report for two nodes and several checks')
      const alarmLines = logged.filter((line) => line.msg.startsWith('Queue mail is stuck'))
      assert.deepEqual(
        alarmLines
          .map((line) => [line.level, line.msg.endsWith('(reported by another node)')])
          .sort(),
        [
          [40, true],
          [50, false],
        ],
        'one node reported it (an error), the other said so (a warning), neither again',
      )

      const page = await admin.get('/admin/queues')
      assert.equal(page.statusCode, 200)
      assert.match(
        page.body,
        /<strong>queue:mail<\/strong> since [^:]+:[^:]+:[^:]+: Queue mail is stuck/,
      )
      const details = (await admin.get('/healthy/details', { accept: 'application/json' })).json()
      assert.equal(details.ok, false)
      assert.ok(details.alarms.alarms.some((a: { key: string }) => a.key === 'queue:mail'))
      assert.equal(details.jobs.details.mail.waiting, 1)

      // A worker starts: the queue drains and the alarm clears on its own.
      const db = openDatabase(site.config.database)
      const worker = await createJobRuntime(site.config, db, quietLog, { role: 'worker' })
      try {
        await eventually(
          async () => site.app.queueWatch.state().alarms.length === 0,
          20_000,
          'the alarm to clear',
        )
        const cleared = (await admin.get('/admin/queues')).body
        assert.match(cleared, /No alarm/)

        // The worker reports a job that fails for good once, after its last attempt.
        const queue = new Queue('social', {
          connection: { url: redisUrl },
          prefix: site.config.redisPrefix,
        })
        try {
          await queue.add('no-such-job', { payload: {} }, { attempts: 2, backoff: 100 })
          await eventually(async () => (await queue.getFailedCount()) === 1, 10_000, 'failure')
          await flushErrorReports()
          const failures = sentry.events().filter((e) => e.tags?.job === 'no-such-job')
          assert.equal(failures.length, 1, 'reported once, not per attempt')
          const job = failures[0]?.contexts?.job as Record<string, unknown>
          assert.deepEqual(
            { queue: job.queue, name: job.name, attempts: job.attempts },
            { queue: 'social', name: 'no-such-job', attempts: 2 },
          )
          assert.equal(
            failures[0]?.tags?.process,
            'web',
            'this test process started reporting as web',
          )
        } finally {
          await queue.close()
        }
      } finally {
        await worker.close()
        await db.destroy()
      }
    } finally {
      await stopErrorReporting()
      await second.close()
      await site.close()
      await sentry.close()
    }
  })
})
