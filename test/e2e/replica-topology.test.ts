// The production topology reading from a replica: HAProxy -> two nodes -> a MariaDB primary and
// a replica of the test's own (binary log, GTID). Visitors' pages come from the replica on both
// nodes, a writer's next page from the primary whichever node answers, and the site keeps
// serving when the replica dies.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { onMysql } from '../helpers/app.js'
import { HttpClient } from '../helpers/http-client.js'
import * as images from '../helpers/images.js'
import { eventually } from '../helpers/jobs.js'
import { skipWithoutMariadbServer } from '../helpers/own-mariadb.js'
import { inCI, redisUrl, skipUnless } from '../helpers/services.js'
import { Topology } from '../helpers/topology.js'

const missing = ['nginx', 'haproxy'].filter((tool) => spawnSync(tool, ['-v']).error)
if (missing.length > 0 && inCI)
  throw new Error(`${missing.join(', ')} not installed, and CI must run this suite`)

describe('the production topology with a read replica', async () => {
  // The pair is the suite's own, so one leg runs it: the MariaDB one.
  const skip = !onMysql
    ? 'runs in the MariaDB leg'
    : missing.length > 0
      ? `${missing.join(', ')} not installed`
      : skipWithoutMariadbServer() || (await skipUnless('Redis', redisUrl))
  const topology = new Topology()
  before(async () => {
    if (skip) return
    await topology.start({ uploadMaxBytes: 1024 * 1024, bodyTimeout: '5s', replica: true })
    console.log(`# topology:\n# ${topology.describe().split('\n').join('\n# ')}`)
  })
  after(() => topology.stop())

  const database = () => new URL(topology.env.DATABASE_URL as string).pathname.slice(1)

  /** Waits until the post has reached the replica. */
  const onTheReplica = (id: number) =>
    eventually(
      async () =>
        (
          (await topology.replica?.query(
            `select id from ${database()}.sharedfile where id = ${id}`,
          )) ?? []
        ).length === 1,
      10_000,
      'the post on the replica',
    )

  async function operator(): Promise<HttpClient> {
    const admin = new HttpClient(topology.url)
    await admin.signUp('operator')
    await topology.primary?.query(
      `update ${database()}.user set role = 'admin' where name = 'operator'`,
    )
    return admin
  }

  async function replicaState(admin: HttpClient) {
    const details = await admin.request('/healthy/details', {
      headers: { accept: 'application/json' },
    })
    assert.ok(details.status === 200 || details.status === 503, details.text.slice(0, 200))
    return JSON.parse(details.text).replicas[0] as { fit: boolean; reason?: string }
  }

  it('serves visitors from the replica and a writer from the primary, on either node', {
    skip,
  }, async () => {
    const alice = new HttpClient(topology.url)
    await alice.signUp('alice')
    const posted = await alice.upload(await images.jpeg(300, 200), {
      title: 'Written to the primary',
    })
    assert.equal(posted.status, 302, posted.text.slice(0, 300))
    const key = (posted.location as string).slice('/p/'.length)
    const id = Number.parseInt(key, 36)
    await onTheReplica(id)
    // A title only the replica has shows whose copy a page was read from.
    await topology.replica?.query(
      `update ${database()}.sharedfile set title = 'Read from the replica' where id = ${id}`,
    )
    try {
      const visitor = new HttpClient(topology.url)
      const before = await topology.sessionsServed()
      for (let i = 0; i < 4; i++) {
        const page = await visitor.request(`/p/${key}`)
        assert.equal(page.status, 200)
        assert.match(page.text, /Read from the replica/, "a visitor's page came from the replica")
      }
      const served = (await topology.sessionsServed()).map((n, i) => n - (before[i] ?? 0))
      assert.ok(
        served.every((n) => n >= 1),
        `both nodes answered (${served.join(', ')})`,
      )
      // Alice wrote a moment ago: whichever node answers reads her post from the primary.
      for (let i = 0; i < 4; i++) {
        const page = await alice.request(`/p/${key}`)
        assert.match(page.text, /Written to the primary/, 'the writer read from the primary')
      }
    } finally {
      await topology.replica?.query(
        `update ${database()}.sharedfile set title = 'Written to the primary' where id = ${id}`,
      )
    }
  })

  it('keeps serving when the replica dies, shows it in /healthy/details, and uses it again', {
    skip,
  }, async () => {
    const admin = await operator()
    await eventually(async () => (await replicaState(admin)).fit, 10_000, 'the replica fit')
    const bob = new HttpClient(topology.url)
    await bob.signUp('bob')
    const posted = await bob.upload(await images.jpeg(200, 200), { title: 'While it is down' })
    const key = (posted.location as string).slice('/p/'.length)
    const id = Number.parseInt(key, 36)
    await onTheReplica(id)
    await topology.replica?.kill()
    const visitor = new HttpClient(topology.url)
    for (let i = 0; i < 10; i++) assert.equal((await visitor.request(`/p/${key}`)).status, 200)
    await eventually(async () => !(await replicaState(admin)).fit, 5_000, 'the replica set aside')
    assert.match((await replicaState(admin)).reason ?? '', /unreachable|failed/)
    await topology.replica?.start()
    await eventually(async () => (await replicaState(admin)).fit, 30_000, 'the replica back')
  })
})
