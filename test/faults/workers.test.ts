// Worker faults, with `npm run worker` as a child process on a Redis of the suite's own: a worker
// killed (SIGKILL) in the middle of a long job, and a backlog built up while no worker runs.
import { after, describe, it } from 'node:test'
import { dbNow } from '../../src/db/dialect.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { eventually } from '../helpers/jobs.js'
import { OwnRedis, skipWithoutRedisServer } from '../helpers/own-redis.js'
import { post, postJson } from '../helpers/social.js'
import { WorkerProcess } from '../helpers/worker-process.js'
import { Acknowledged } from './invariants.js'
import { describeWindow, finishScenario, socialLoadAround } from './scenario.js'

const skip = skipWithoutRedisServer()
const FOLLOWERS = 1500

async function productionWebSite(redisUrl: string): Promise<TestSite> {
  return createTestSite({
    REDIS_URL: redisUrl,
    JOB_LOCK_SECONDS: '2',
    OUTBOX_RECHECK_SECONDS: '2',
    RATE_LIMIT_UPLOAD: '1000/60',
    // A fan-out of 1,500 followers takes about 1.5 s, in 30 chunks: long enough to be killed
    // in the middle of (unpaced, it writes them in one statement of a few milliseconds).
    FAN_OUT_CHUNK: '50',
    FAN_OUT_ROWS_PER_SECOND: '1000',
  })
}

/** Followers written straight to the tables, so that one fan-out job takes a while. */
async function addFollowers(site: TestSite, shakeName: string, count: number): Promise<void> {
  const db = site.app.db
  const shake = await db
    .selectFrom('shake')
    .select('id')
    .where('name', '=', shakeName)
    .executeTakeFirstOrThrow()
  const now = dbNow()
  for (let start = 0; start < count; start += 250) {
    const users = Array.from({ length: Math.min(250, count - start) }, (_, i) => ({
      name: `f${start + i}`,
      email: `f${start + i}@example.com`,
      hashed_password: 'x',
      created_at: now,
      updated_at: now,
    }))
    await db.insertInto('user').values(users).execute()
  }
  const ids = await db.selectFrom('user').select('id').where('name', 'like', 'f%').execute()
  for (let start = 0; start < ids.length; start += 250) {
    await db
      .insertInto('subscription')
      .values(
        ids
          .slice(start, start + 250)
          .map((u) => ({ user_id: u.id, shake_id: shake.id, created_at: now })),
      )
      .execute()
  }
}

describe('worker faults', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('a worker killed mid-job', async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    const site = await productionWebSite(redis.url)
    cleanups.push(() => site.close())
    const alice = await signUp(site.app, 'alice')
    await addFollowers(site, 'alice', FOLLOWERS)
    const key = await post(alice, 'to many')
    const bob = await signUp(site.app, 'bob')
    const acknowledged = new Acknowledged()
    const liked = await postJson(bob, `/p/${key}/like`)
    const postId = Number.parseInt(key, 36)
    const bobId = (
      await site.app.db
        .selectFrom('user')
        .select('id')
        .where('name', '=', 'bob')
        .executeTakeFirstOrThrow()
    ).id
    if (liked.status === 200) acknowledged.like(bobId, postId, true)
    acknowledged.uploads.add(postId)
    const timelineRows = async () =>
      Number(
        (
          await site.app.db
            .selectFrom('post')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('sharedfile_id', '=', postId)
            .executeTakeFirstOrThrow()
        ).n,
      )

    const first = WorkerProcess.start(site.env)
    cleanups.push(() => first.kill())
    await eventually(async () => (await timelineRows()) > 50, 60_000, 'the fan-out to start')
    await first.kill()
    const partial = await timelineRows()
    const second = WorkerProcess.start(site.env)
    cleanups.push(() => second.kill())
    const restarted = Date.now()
    const figures: string[] = []
    await finishScenario({
      scenario: 'worker SIGKILL mid-job',
      injected: `SIGKILL to the worker during a fan-out to ${FOLLOWERS} followers (${partial} rows written)`,
      site,
      acknowledged,
      own: { 'killed mid-job': partial < FOLLOWERS + 1 },
      figures,
      settleMs: 60_000,
      after: async () => {
        figures.push(`finished ${Date.now() - restarted} ms after the second worker started`)
        const rows = await timelineRows()
        return { 'fan-out complete, once each': rows === FOLLOWERS + 1 }
      },
    })
  })

  it('a backlog built while no worker runs', async () => {
    const redis = await OwnRedis.start()
    cleanups.push(() => redis.close())
    const site = await productionWebSite(redis.url)
    cleanups.push(() => site.close())
    const { acknowledged, load } = await socialLoadAround(site, { prefix: 'backlog', leadMs: 4000 })
    const queued = await site.app.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', 'in', ['pending', 'relayed'])
      .executeTakeFirstOrThrow()
    const started = Date.now()
    const worker = WorkerProcess.start(site.env)
    cleanups.push(() => worker.stop())
    const figures = [describeWindow('without a worker', load.figures())]
    await finishScenario({
      scenario: 'backlog, workers stopped then started',
      injected: `no worker for 4 s of likes, saves, comments (${queued.n} jobs waiting), then one worker`,
      site,
      acknowledged,
      own: {},
      figures,
      settleMs: 60_000,
      after: async () => {
        figures.push(`drained ${Date.now() - started} ms after the worker started`)
        return {}
      },
    })
  })
})
