// Redis faults on a redis-server of the suite's own: stopped under load and started again,
// killed and started empty (the queue's contents lost), and out of memory (noeviction). Likes,
// saves and comments must keep answering at once and nothing the users did may be lost.
import { after, describe, it } from 'node:test'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime } from '../../src/jobs/runtime.js'
import { createTestSite } from '../helpers/app.js'
import { OwnRedis, skipWithoutRedisServer } from '../helpers/own-redis.js'
import { createSocialSite, quietLog } from '../helpers/social.js'
import {
  describeWindow,
  finishScenario,
  keptAnswering,
  sleep,
  socialLoadAround,
} from './scenario.js'

const skip = skipWithoutRedisServer()
/** A like or comment must not wait on Redis: a generous bound for a loaded 2-core machine. */
const ANSWER_BOUND_MS = 3000
const fastJobs = { JOB_LOCK_SECONDS: '2', OUTBOX_RECHECK_SECONDS: '2' }

describe('Redis faults', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('Redis stopped under load and started again', async () => {
    const redis = await OwnRedis.start({ persistent: true })
    cleanups.push(() => redis.close())
    const site = await createSocialSite('production', redis.url, fastJobs)
    cleanups.push(() => site.close())
    const { acknowledged, load, faultStart, faultEnd } = await socialLoadAround(
      site,
      { prefix: 'stop', health: true, tailMs: 1000 },
      async () => {
        await redis.stop()
        await sleep(3000) // the outage itself, timed on purpose
        await redis.start()
      },
    )
    const during = load.figures(faultStart, faultEnd)
    await finishScenario({
      scenario: 'Redis stopped under load',
      injected: 'SIGTERM to Redis for 3 s during likes, saves, comments; restarted with its data',
      site,
      acknowledged,
      own: {
        'site kept answering': keptAnswering(during, ANSWER_BOUND_MS),
        'every action succeeded': during.succeeded === during.requests,
      },
      figures: [describeWindow('during', during), describeWindow('whole run', load.figures())],
    })
  })

  it('Redis killed and restarted empty', async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    // Web nodes only: the work waits in Redis for a worker that is not there yet.
    const site = await createTestSite({
      REDIS_URL: redis.url,
      RATE_LIMIT_UPLOAD: '1000/60',
      ...fastJobs,
    })
    cleanups.push(() => site.close())
    const { acknowledged, load } = await socialLoadAround(site, { prefix: 'empty', leadMs: 2000 })
    const queued = await redis.command('dbsize')
    const faultStart = Date.now()
    await redis.kill()
    await redis.start()
    const faultEnd = Date.now()
    // The worker comes up on the empty Redis: the outbox must have the work done again.
    const db = openDatabase(site.config.database)
    const worker = await createJobRuntime(site.config, db, quietLog, {
      role: 'worker',
      relayIntervalMs: 200,
    })
    cleanups.push(async () => {
      await worker.close()
      await db.destroy()
    })
    const scheduled = async () =>
      ((await redis.command('keys', `${site.config.redisPrefix}:maintenance:repeat:*`)) as string[])
        .length > 0
    await finishScenario({
      scenario: 'Redis restarted empty',
      injected: `SIGKILL to Redis holding ${queued} keys of queued work; restarted with no data`,
      site,
      acknowledged,
      own: {},
      figures: [
        describeWindow('before the kill', load.figures()),
        `Redis down ${faultEnd - faultStart} ms`,
      ],
      settleMs: 30_000,
      after: async () => ({ 'schedules registered again': await scheduled() }),
    })
  })

  it('Redis out of memory (noeviction)', async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    const site = await createSocialSite('production', redis.url, fastJobs)
    cleanups.push(() => site.close())
    let oomErrors = 0
    const { acknowledged, load, faultStart, faultEnd } = await socialLoadAround(
      site,
      { prefix: 'oom', health: true, tailMs: 1000 },
      async () => {
        const info = String(await redis.command('info', 'memory'))
        const used = Number(/used_memory:(\d+)/.exec(info)?.[1])
        await redis.command('config', 'set', 'maxmemory', String(used + 8 * 1024))
        await sleep(4000) // the fault itself, timed on purpose
        const stats = String(await redis.command('info', 'errorstats'))
        oomErrors = Number(/errorstat_OOM:count=(\d+)/.exec(stats)?.[1] ?? 0)
        await redis.command('config', 'set', 'maxmemory', '0')
      },
    )
    const during = load.figures(faultStart, faultEnd)
    await finishScenario({
      scenario: 'Redis out of memory',
      injected: `maxmemory = used + 8 kB, noeviction, for 4 s (${oomErrors} writes refused with OOM)`,
      site,
      acknowledged,
      own: {
        'site kept answering': keptAnswering(during, ANSWER_BOUND_MS),
        'every action succeeded': during.succeeded === during.requests,
        'Redis really refused writes': oomErrors > 0,
      },
      figures: [describeWindow('during', during)],
    })
  })
})
