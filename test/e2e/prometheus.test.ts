// The shipped Prometheus configuration and alerts (promtool), and Debian's prometheus scraping
// the production topology: both web nodes, the worker and HAProxy. What it reports is checked
// against what the test did: the likes it sent, and the jobs its comments left waiting.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { projectRoot } from '../../src/paths.js'
import { HttpClient } from '../helpers/http-client.js'
import * as images from '../helpers/images.js'
import { eventually } from '../helpers/jobs.js'
import { TestPrometheus } from '../helpers/prometheus.js'
import { inCI, redisUrl, skipUnless } from '../helpers/services.js'
import { Topology } from '../helpers/topology.js'

const tools = ['nginx', 'haproxy', 'prometheus', 'promtool']
const missing = tools.filter((tool) => spawnSync(tool, ['--version']).error)
if (missing.length > 0 && inCI)
  throw new Error(`${missing.join(', ')} not installed, and CI must run this suite`)
const notInstalled = missing.length > 0 ? `${missing.join(', ')} not installed` : false
if (notInstalled) console.log(`# NOTICE: skipping the Prometheus suite: ${notInstalled}`)

const ops = path.join(projectRoot, 'ops')
const promtool = (...args: string[]) =>
  spawnSync('promtool', args, { cwd: ops, encoding: 'utf8', timeout: 60_000 })

describe('the shipped Prometheus configuration', { skip: notInstalled }, () => {
  it('ops/prometheus.yml and ops/alerts.yml pass promtool check', () => {
    const config = promtool('check', 'config', 'prometheus.yml')
    assert.equal(config.status, 0, config.stdout + config.stderr)
    const rules = promtool('check', 'rules', 'alerts.yml')
    assert.equal(rules.status, 0, rules.stdout + rules.stderr)
  })

  it('every alert passes its unit tests, and each has a test in which it fires', async () => {
    const tested = promtool('test', 'rules', 'alerts.test.yml')
    assert.equal(tested.status, 0, tested.stdout + tested.stderr)

    // Renamed, an alert that some test expects to fire is missed: the tests must fail then.
    const alerts = await readFile(path.join(ops, 'alerts.yml'), 'utf8')
    const names = [...alerts.matchAll(/^ *- alert: (\w+)$/gm)].map((m) => m[1] as string)
    assert.ok(names.length >= 6, `${names.length} alerts`)
    for (const want of ['QueueStuck', 'OutboxNotDraining', 'ServerErrors', 'SlowRequests'])
      assert.ok(names.includes(want), want)
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-alerts-'))
    try {
      await copyFile(path.join(ops, 'alerts.test.yml'), path.join(dir, 'alerts.test.yml'))
      for (const name of names) {
        await writeFile(
          path.join(dir, 'alerts.yml'),
          alerts.replace(`- alert: ${name}\n`, `- alert: ${name}Renamed\n`),
        )
        const result = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
          cwd: dir,
          encoding: 'utf8',
        })
        assert.notEqual(result.status, 0, `no test sees ${name} fire`)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('Prometheus scraping the production topology', async () => {
  const skip = notInstalled || (await skipUnless('Redis', redisUrl))
  const topology = new Topology()
  let prometheus: TestPrometheus | undefined
  const prom = () => prometheus as TestPrometheus
  const likeCount = 'sum(http_request_duration_seconds_count{route="/p/:key/like",method="POST"})'
  // People who like; their likes are what the test counts.
  const people: HttpClient[] = []
  const posts: string[] = []

  before(async () => {
    if (skip) return
    await topology.start({ uploadMaxBytes: 1024 * 1024, bodyTimeout: '5s' })
    prometheus = await TestPrometheus.start([
      { name: 'web', targets: topology.nodes.map((n) => `127.0.0.1:${n.appPort}`) },
      { name: 'worker', targets: [`127.0.0.1:${topology.workerMetricsPort}`] },
      { name: 'haproxy', targets: [`127.0.0.1:${topology.statsPort}`] },
    ])
    const alice = new HttpClient(topology.url)
    await alice.signUp('alice')
    for (const title of ['First', 'Second']) {
      const posted = await alice.upload(await images.jpeg(320, 240), { title })
      assert.equal(posted.status, 302, posted.text.slice(0, 300))
      posts.push((posted.location as string).slice('/p/'.length))
    }
    for (let i = 0; i < 12; i++) {
      const person = new HttpClient(topology.url)
      await person.signUp(`liker${i}`)
      people.push(person)
    }
  })
  after(async () => {
    await prometheus?.close()
    await topology.stop()
  })

  /** Each person likes the post, a few at a time; the slowest answer, in seconds. */
  async function likeAll(key: string, who: HttpClient[]): Promise<number> {
    let slowest = 0
    // No page is fetched between likes: HAProxy's round robin then sends them to each node
    // in turn.
    for (const person of who) {
      const started = performance.now()
      const liked = await person.form(`/p/${key}/like`, {}, 'application/json')
      slowest = Math.max(slowest, (performance.now() - started) / 1000)
      assert.equal(liked.status, 200, liked.text.slice(0, 200))
      assert.equal(JSON.parse(liked.text).liked, true)
      // Spread over several scrapes, so that rate() has samples before and after.
      await sleep(250)
    }
    return slowest
  }

  it('scrapes both web nodes, the worker and HAProxy; every series the alerts read exists', {
    skip,
  }, async () => {
    await eventually(
      async () => {
        const targets = await prom().targets()
        return targets.length === 4 && targets.every((t) => t.health === 'up')
      },
      30_000,
      'all four targets to be up',
    )
    assert.equal(await prom().value('count(up{job="web"} == 1)'), 2)
    assert.equal(
      await prom().value('sum(haproxy_server_status{proxy="nodes",state="UP"})'),
      2,
      "HAProxy's exporter shows both nodes up",
    )
    // A name misspelt in an alert would make it silently never fire.
    const alerts = await readFile(path.join(ops, 'alerts.yml'), 'utf8')
    const read = new Set(
      [...alerts.matchAll(/\b(?:(?:mlkshk|http_request|haproxy|process)_\w+|up(?=\{))/g)].map(
        (m) => m[0],
      ),
    )
    assert.ok(read.size >= 6, [...read].join())
    for (const name of read) {
      await eventually(
        async () => ((await prom().value(`count(${name})`)) ?? 0) > 0,
        10_000,
        `a series named ${name}`,
      )
    }
    let rules: Awaited<ReturnType<TestPrometheus['rules']>> = []
    await eventually(
      async () => {
        rules = await prom().rules()
        return rules.length > 0 && rules.every((r) => r.health === 'ok')
      },
      10_000,
      'the alert rules to evaluate',
    ).catch(() => assert.fail(JSON.stringify(rules)))
  })

  it('counts the likes it was sent, on both nodes, with their rate and p99 latency', {
    skip,
  }, async () => {
    const [first] = posts as [string]
    const [opener, ...rest] = people as [HttpClient, ...HttpClient[]]
    // The first like makes the series; Prometheus sees it before the others arrive.
    const openerTook = await likeAll(first, [opener])
    await eventually(async () => (await prom().value(likeCount)) === 1, 10_000, 'the first like')
    const slowest = Math.max(openerTook, await likeAll(first, rest))
    await eventually(
      async () => (await prom().value(likeCount)) === people.length,
      10_000,
      `${people.length} likes in Prometheus`,
    )
    const perNode = await prom().query(
      'sum by (instance) (http_request_duration_seconds_count{route="/p/:key/like",method="POST"})',
    )
    assert.equal(perNode.length, 2, 'both nodes answered likes')
    console.log(
      `# likes per node: ${perNode.map((s) => `${s.metric.instance} ${s.value}`).join(', ')}`,
    )
    const rate = await prom().value(
      'sum(rate(http_request_duration_seconds_count{route="/p/:key/like",method="POST"}[1m]))',
    )
    assert.ok(rate !== undefined && rate > 0, `like rate ${rate}`)
    const p99 = await prom().value(
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route="/p/:key/like"}[1m])))',
    )
    // The app's time is within the client's, and the quantile within the bucket holding it.
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    const bound = buckets.find((b) => b >= slowest) ?? 30
    assert.ok(p99 !== undefined && p99 > 0 && p99 <= bound, `p99 ${p99}, slowest seen ${slowest}`)
    console.log(
      `# like rate ${rate?.toFixed(2)}/s, p99 ${p99} s (slowest seen by the client ${slowest.toFixed(3)} s)`,
    )
  })

  // Comments, not likes: a like's follow-up is written in its own transaction and queues nothing;
  // a comment's (mentions, conversations, the owner's notification) waits for the worker.
  it('with the worker stopped, the comments’ follow-up waits in the queue and the outbox, the oldest ages, and all drains when it is back', {
    skip,
  }, async () => {
    const second = posts[1] as string
    // Everything before this is done: what waits next is this test's.
    const db = topology.openDatabase()
    try {
      await eventually(
        async () =>
          (await db.selectFrom('outbox').select('id').where('status', '!=', 'done').execute())
            .length === 0,
        30_000,
        'the outbox to be empty',
      )
    } finally {
      await db.destroy()
    }
    const worker = topology.worker
    assert.ok(worker)
    worker.kill('SIGTERM')
    await once(worker, 'exit')

    for (const person of people) {
      const said = await person.form(`/p/${second}/comment`, { body: 'hello' }, 'application/json')
      assert.equal(said.status, 200, said.text.slice(0, 200))
    }
    const waiting = 'max(mlkshk_queue_waiting_jobs{queue="social"})'
    await eventually(
      async () =>
        (await prom().value(waiting)) === people.length &&
        (await prom().value('max(mlkshk_outbox_pending)')) === people.length,
      15_000,
      `${people.length} jobs waiting and ${people.length} outbox rows pending`,
    )
    const oldest = 'max(mlkshk_queue_oldest_waiting_seconds{queue="social"})'
    const before = (await prom().value(oldest)) ?? 0
    await sleep(3000) // time passing is what is measured: the job's age must grow with it
    const later = (await prom().value(oldest)) ?? 0
    assert.ok(later >= before + 2, `the oldest job's age went from ${before} to ${later}`)
    await eventually(
      async () =>
        (await prom().alerts()).some(
          (a) => a.labels.alertname === 'ProcessUnreachable' && a.labels.job === 'worker',
        ),
      15_000,
      'the unreachable-worker alert to be pending',
    )

    topology.worker = topology.startWorker()
    await eventually(
      async () =>
        (await prom().value(waiting)) === 0 &&
        (await prom().value('max(mlkshk_outbox_pending)')) === 0,
      30_000,
      'the queue and the outbox to drain',
    )
    // The queue can drain before Prometheus has scraped the new worker once.
    let done: number | undefined
    await eventually(
      async () => {
        done = await prom().value(
          'sum(mlkshk_jobs_total{job="worker",queue="social",outcome="completed"})',
        )
        return (done ?? 0) >= people.length
      },
      15_000,
      "the new worker's completed social jobs in Prometheus",
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen ${done}`)
    })
  })

  it("each node's nginx shows stub_status on its status port, to loopback", { skip }, async () => {
    const node = topology.nodes[0]
    assert.ok(node)
    const status = await fetch(`http://127.0.0.1:${node.nginxStatusPort}/nginx_status`)
    assert.equal(status.status, 200)
    assert.match(await status.text(), /^Active connections: \d+/)
    // Not through the site itself.
    const front = await fetch(`${topology.url}/nginx_status`)
    assert.doesNotMatch(await front.text(), /Active connections/)
    assert.equal((await fetch(`http://127.0.0.1:${node.nginxStatusPort}/`)).status, 404)
  })
})
