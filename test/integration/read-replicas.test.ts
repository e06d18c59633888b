// Read replicas: a primary and a replica of the test's own (binary log with GTIDs), the app
// reading pages from the replica, its writers reading their own writes from the primary, and a
// replica that lags, stops or dies set aside while reads fall back to the primary.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { grantRole, signUp } from '../helpers/accounts.js'
import { buildSite, freshEnvironment, onMysql } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { eventually } from '../helpers/jobs.js'
import { OwnMariadb, skipWithoutMariadbServer } from '../helpers/own-mariadb.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { post } from '../helpers/social.js'

// The pair is the test's own, so one leg is enough: the MariaDB one.
const skip = onMysql ? skipWithoutMariadbServer() : 'runs in the MariaDB leg'
const MAX_LAG = 3
const DELAY = 1

describe('read replicas', { skip }, async () => {
  const skipRedis = await skipUnless('Redis', redisUrl)
  let primary: OwnMariadb
  let replica: OwnMariadb
  let env: Record<string, string>
  let drop: () => Promise<void>
  let app: FastifyInstance
  let admin: Browser

  before(async () => {
    ;[primary, replica] = await Promise.all([
      OwnMariadb.start({ serverId: 1, role: 'primary' }),
      OwnMariadb.start({ serverId: 2, role: 'replica' }),
    ])
    await replica.replicateFrom(primary)
    const fresh = await freshEnvironment({ mysqlServer: primary.url })
    drop = fresh.drop
    const database = new URL(fresh.env.DATABASE_URL as string).pathname
    await eventually(
      async () => (await replica.query(`show tables from ${database.slice(1)}`)).length > 10,
      30_000,
      'the migrated database on the replica',
    )
    env = {
      ...fresh.env,
      DATABASE_REPLICA_URLS: `${replica.url.replace(/\/$/, '')}${database}`,
      REPLICA_MAX_LAG_SECONDS: String(MAX_LAG),
      RATE_LIMIT_LIKE: '5000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '100/60',
    }
    app = await buildSite(env)
    admin = await signUp(app, 'operator')
    await grantRole(app, 'operator', 'admin')
  })

  after(async () => {
    await app?.close()
    await drop?.()
    await Promise.all([primary?.close(), replica?.close()])
  })

  const replicaState = async () => {
    const health = (await admin.get('/healthy/details', { accept: 'application/json' })).json()
    return health.replicas[0] as {
      name: string
      fit: boolean
      lagSeconds: number | null
      reason?: string
    }
  }

  const onPrimary = async (sql: string) => primary.query(sql.replaceAll('DB', dbName()))
  const dbName = () => new URL(env.DATABASE_URL as string).pathname.slice(1)

  it('shows the replica in /healthy/details, fit and caught up', async () => {
    const state = await replicaState()
    assert.equal(state.name, `127.0.0.1:${replica.port}`)
    assert.equal(state.fit, true, state.reason)
    assert.equal(state.lagSeconds, 0)
    assert.doesNotMatch(JSON.stringify(state), /root@/, 'no credentials in the report')
    const metrics = (await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).body
    assert.match(metrics, /^mlkshk_replicas_unfit(\{[^}]*\})? 0$/m)
    assert.match(
      metrics,
      new RegExp(`^mlkshk_replica_lag_seconds\\{[^}]*replica="${state.name}"[^}]*\\} 0$`, 'm'),
    )
  })

  it('reads pages from the replica, while a writer reads their own writes from the primary', async () => {
    // A replica a second behind: still fit (limit 3 s), but late enough to show where reads go.
    await replica.setReplicationDelay(DELAY)
    await eventually(async () => (await replicaState()).fit, 10_000, 'the replica fit again')
    const alice = await signUp(app, 'alice')
    const key = await post(alice, 'seen from where')
    // A post whose title only the replica has, left alone by everything else: a page showing it
    // came from the replica, whatever the machine's speed (a delay alone races a slow page).
    const markKey = await post(alice, 'the title on the primary')
    await eventually(
      async () =>
        (
          await replica.query(
            `select 1 from ${dbName()}.sharedfile where title = 'the title on the primary'`,
          )
        ).length === 1,
      10_000,
      'the post on the replica',
    )
    await replica.writeHereOnly(
      `update ${dbName()}.sharedfile set title = 'the title on the replica' where title = 'the title on the primary'`,
    )
    const fromReplica = (page: string) => page.includes('the title on the replica')
    await new Promise((resolve) => setTimeout(resolve, (MAX_LAG + 2) * 1000)) // alice's window passes
    const visitor = new Browser(app)

    const comment = await alice.post(`/p/${key}/comment`, { body: 'my own words' })
    assert.ok(comment.statusCode < 400, comment.body.slice(0, 200))
    const [mine, theirs] = await Promise.all([alice.get(`/p/${key}`), visitor.get(`/p/${markKey}`)])
    assert.match(mine.body, /my own words/, 'the writer sees their comment at once')
    assert.ok(fromReplica(theirs.body), "a visitor's page came from the replica")
    assert.ok(
      !fromReplica((await alice.get(`/p/${markKey}`)).body),
      "the writer's pages come from the primary",
    )
    const rows = await onPrimary("select count(*) as n from DB.comment where body = 'my own words'")
    assert.equal(Number(rows[0]?.n), 1, 'the write went to the primary')
    await eventually(
      async () => (await visitor.get(`/p/${key}`)).body.includes('my own words'),
      10_000,
      'the comment to reach the replica',
    )

    // A signed-in reader who only reads stays on the replica, whatever pages they open.
    const bob = await signUp(app, 'bob')
    await new Promise((resolve) => setTimeout(resolve, (MAX_LAG + 2) * 1000)) // both windows pass
    await bob.post(`/p/${key}/comment`, { body: 'words from bob' })
    for (const url of ['/', '/notifications', '/incoming', `/user/alice`])
      assert.equal((await alice.get(url)).statusCode, 200, url)
    assert.ok(
      fromReplica((await alice.get(`/p/${markKey}`)).body),
      "a reader's pages came from the replica",
    )
    assert.ok(
      !fromReplica((await bob.get(`/p/${markKey}`)).body),
      'bob, who just wrote, reads the primary',
    )
    await new Promise((resolve) => setTimeout(resolve, (MAX_LAG + 2) * 1000)) // bob's window passes

    // 1,000 tries: each like or unlike shows in the writer's next page, every time.
    let seen = 0
    for (let i = 0; i < 1000; i++) {
      const liked = i % 2 === 0
      const answer = await bob.post(`/p/${key}/${liked ? 'like' : 'unlike'}`, {})
      assert.ok(answer.statusCode < 400, answer.body.slice(0, 200))
      const page = (await bob.get(`/p/${key}`)).body
      if (/action="\/p\/[0-9A-Z]+\/unlike"/.test(page) === liked) seen++
    }
    assert.equal(seen, 1000, 'the writer saw their own like or unlike in every try')
    await replica.setReplicationDelay(0)
  })

  it('sets a replica that stops replicating aside within 2 s, and reads go to the primary', async () => {
    await eventually(async () => (await replicaState()).fit, 10_000, 'the replica fit')
    await replica.query('stop slave sql_thread')
    const stoppedAt = Date.now()
    await eventually(async () => !(await replicaState()).fit, 5_000, 'the replica set aside')
    const tookMs = Date.now() - stoppedAt
    console.log(`# stopped replica set aside after ${tookMs} ms`)
    assert.ok(tookMs <= 2000, `set aside after ${tookMs} ms`)
    assert.match((await replicaState()).reason ?? '', /stopped/)
    const metrics = (await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).body
    assert.match(metrics, /^mlkshk_replicas_unfit(\{[^}]*\})? 1$/m, 'the metric the alert reads')

    const carol = await signUp(app, 'carol')
    const key = await post(carol, 'while the replica is stopped')
    const visitor = new Browser(app)
    assert.equal((await visitor.get(`/p/${key}`)).statusCode, 200, 'the page came from the primary')
    await replica.query('start slave sql_thread')
    await eventually(async () => (await replicaState()).fit, 10_000, 'the replica back')
  })

  it('sets a replica that falls behind the limit aside within 2 s of it', async () => {
    await replica.setReplicationDelay(30)
    await eventually(async () => (await replicaState()).fit, 10_000, 'the replica fit')
    await onPrimary("update DB.user set about = 'lagging' where name = 'alice'")
    let overAt = 0
    await eventually(
      async () => {
        const [status] = await replica.query('show replica status')
        const behind = status?.Seconds_Behind_Master
        if (!overAt && behind !== null && Number(behind) > MAX_LAG) overAt = Date.now()
        return overAt > 0
      },
      20_000,
      'the replica to fall behind the limit',
    )
    await eventually(
      async () => !(await replicaState()).fit,
      5_000,
      'the lagging replica set aside',
    )
    const tookMs = Date.now() - overAt
    console.log(`# lagging replica set aside ${tookMs} ms after passing the limit`)
    assert.ok(tookMs <= 2000, `set aside after ${tookMs} ms`)
    assert.match((await replicaState()).reason ?? '', /behind/)
    await replica.setReplicationDelay(0)
    await eventually(async () => (await replicaState()).fit, 20_000, 'the replica caught up')
  })

  it('keeps serving from the primary when the replica dies, and uses it again when it is back', async () => {
    const dave = await signUp(app, 'dave')
    const key = await post(dave, 'while the replica is down')
    await new Promise((resolve) => setTimeout(resolve, 200)) // replicated
    await replica.kill()
    const visitor = new Browser(app)
    const started = Date.now()
    for (let i = 0; i < 20; i++) assert.equal((await visitor.get(`/p/${key}`)).statusCode, 200)
    const tookMs = Date.now() - started
    console.log(`# 20 pages with the replica dead: ${tookMs} ms`)
    assert.ok(tookMs < 10_000, `pages took ${tookMs} ms`)
    await eventually(async () => !(await replicaState()).fit, 5_000, 'the dead replica set aside')
    assert.match((await replicaState()).reason ?? '', /unreachable|failed/)
    await replica.start()
    await eventually(async () => (await replicaState()).fit, 20_000, 'the replica back')
  })

  it('shares who wrote between nodes through Redis', { skip: skipRedis }, async () => {
    await replica.setReplicationDelay(DELAY)
    await eventually(async () => (await replicaState()).fit, 10_000, 'the replica fit')
    const shared = { ...env, REDIS_URL: redisUrl }
    const first = await buildSite(shared)
    const second = await buildSite(shared)
    try {
      const erin = await signUp(first, 'erin')
      const key = await post(erin, 'two nodes')
      const comment = await erin.post(`/p/${key}/comment`, { body: 'written on one node' })
      assert.ok(comment.statusCode < 400)
      erin.app = second
      const page = await erin.get(`/p/${key}`)
      assert.match(page.body, /written on one node/, 'the other node read it from the primary')
    } finally {
      await Promise.all([first.close(), second.close()])
      await replica.setReplicationDelay(0)
    }
  })
})
