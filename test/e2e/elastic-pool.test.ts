// Issue 16's proof: under a steady load of 8 clients through HAProxy, nodes join with
// `npm run nodes -- add` (the CLI from source), one is drained and removed, a column is added
// (expand) while the old release serves, and every node is restarted in a rolling deploy; not
// one request may fail. Prints the requests each node served in each phase.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { type Kysely, Migrator, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { loadNodePoolConfig } from '../../src/config.js'
import { openNodePool } from '../../src/ops/open-node-pool.js'
import { rollingDeploy } from '../../src/ops/rolling-deploy.js'
import { projectRoot } from '../../src/paths.js'
import { entryPoint } from '../helpers/entry-point.js'
import { HttpClient } from '../helpers/http-client.js'
import * as images from '../helpers/images.js'
import { eventually } from '../helpers/jobs.js'
import { inCI, redisUrl, skipUnless } from '../helpers/services.js'
import { type Node, Topology } from '../helpers/topology.js'

const CLIENTS = 8
const CHECK_INTERVAL_MS = 300 // the topology's CHECK_INTERVAL
const RISE = 2 // haproxy.cfg's default-server rise
const missing = ['nginx', 'haproxy'].filter((tool) => spawnSync(tool, ['-v']).error)
if (missing.length > 0 && inCI)
  throw new Error(`${missing.join(', ')} not installed, and CI must run this suite`)
if (missing.length > 0)
  console.log(`# NOTICE: skipping the elastic pool suite: ${missing.join(', ')} not installed`)

/** The next release's migration, never in migrations/: an added column no old code names. */
const expandMigration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('comment')
      .addColumn('release_probe', 'varchar(20)', (c) => c.defaultTo('old-release'))
      .execute()
  },
}

/** 8 clients, each signed in, reading pages and now and then commenting, until told to stop. */
class SteadyLoad {
  phase = ''
  readonly failures: string[] = []
  readonly perPhase = new Map<string, number>()
  private running = true
  private loops: Promise<void>[] = []

  constructor(
    private readonly clients: HttpClient[],
    private readonly postKey: string,
  ) {}

  start(phase: string, maxRequests = 40_000, maxMs = 170_000): void {
    this.phase = phase
    const deadline = Date.now() + maxMs
    let budget = maxRequests
    this.loops = this.clients.map(async (client, i) => {
      for (let n = 0; this.running && budget-- > 0 && Date.now() < deadline; n++) {
        const phase = this.phase
        const [label, call] =
          n % 8 === 7
            ? ([
                'comment',
                () =>
                  client.form(
                    `/p/${this.postKey}/comment`,
                    { body: `client ${i}, request ${n}, ${phase}` },
                    'application/json',
                  ),
              ] as const)
            : n % 4 === 3
              ? (['post page', () => client.request(`/p/${this.postKey}`)] as const)
              : (['home', () => client.request('/')] as const)
        try {
          const answer = await call()
          if (answer.status !== 200)
            this.failures.push(`${phase}: ${label} ${answer.status} ${answer.text.slice(0, 120)}`)
        } catch (error) {
          this.failures.push(`${phase}: ${label} ${(error as Error).message}`)
        }
        this.perPhase.set(phase, (this.perPhase.get(phase) ?? 0) + 1)
      }
    })
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }
}

describe('an elastic node pool under steady load', async () => {
  const skip =
    missing.length > 0 ? `${missing.join(', ')} not installed` : await skipUnless('Redis', redisUrl)
  const topology = new Topology()
  before(async () => {
    if (skip) return
    await topology.start({ uploadMaxBytes: 1024 * 1024, bodyTimeout: '2s' })
  })
  after(() => topology.stop())

  it('adds two nodes, drains and removes one, deploys every node with a new column: no request fails', {
    skip,
    timeout: 240_000,
  }, async () => {
    const settings = {
      HAPROXY_ADMIN_SOCKET: topology.adminSocket,
      CHECK_INTERVAL: `${CHECK_INTERVAL_MS}ms`,
      NODE_DRAIN_TIMEOUT_SECONDS: '20',
      NODE_READY_TIMEOUT_SECONDS: '30',
    }
    const pool = openNodePool(loadNodePoolConfig(settings))
    /** `npm run nodes -- ...`: the compiled dist/src/ops/nodes.js, as the npm script runs it. */
    const nodesCommand = async (...args: string[]) => {
      const child = spawn(process.execPath, [entryPoint('ops/nodes'), ...args], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', ...settings },
      })
      let output = ''
      child.stdout.on('data', (chunk) => {
        output += chunk
      })
      child.stderr.on('data', (chunk) => {
        output += chunk
      })
      const [code] = await once(child, 'exit')
      assert.equal(code, 0, `nodes ${args.join(' ')}: ${output}`)
      console.log(`# $ npm run nodes -- ${args.join(' ')}\n#   ${output.trim()}`)
      return output
    }

    const author = new HttpClient(topology.url)
    await author.signUp('author')
    const posted = await author.upload(await images.jpeg(64, 48), { title: 'Under load' })
    assert.equal(posted.status, 302, posted.text.slice(0, 200))
    const postKey = (posted.location as string).slice('/p/'.length)
    const clients = Array.from({ length: CLIENTS }, () => new HttpClient(topology.url))
    for (const [i, client] of clients.entries()) await client.signUp(`reader${i}`)
    for (const client of clients) await client.request(`/p/${postKey}`)

    // When each node first appeared in HAProxy and first served a request.
    const firstSeen = new Map<string, number>()
    const firstServed = new Map<string, number>()
    let watching = true
    const watcher = (async () => {
      while (watching) {
        for (const node of await pool.list().catch(() => [])) {
          if (!firstSeen.has(node.name)) firstSeen.set(node.name, Date.now())
          if (node.served > 0 && !firstServed.has(node.name)) firstServed.set(node.name, Date.now())
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()

    const table: Array<{ phase: string; served: Map<string, number> }> = []
    let last = await pool.served()
    const endPhase = async (phase: string) => {
      const now = await pool.served()
      const delta = new Map<string, number>()
      for (const [name, count] of now) delta.set(name, count - (last.get(name) ?? 0))
      table.push({ phase, served: delta })
      last = now
    }
    const steady = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

    const load = new SteadyLoad(clients, postKey)
    const db = topology.openDatabase()
    try {
      load.start('2 nodes')
      await steady(3000)
      await endPhase('2 nodes')

      for (const name of ['node3', 'node4']) {
        load.phase = `add ${name}`
        const node = await topology.startNode(name)
        topology.nodes.push(node)
        await nodesCommand('add', `127.0.0.1:${node.nginxPort}`)
        await eventually(async () => firstServed.has(name), 5000, `${name} to take traffic`)
        await steady(2000)
        await endPhase(`add ${name}`)
      }

      load.phase = 'drain and remove node2'
      await nodesCommand('drain', 'node2')
      await endPhase('drain node2')
      load.phase = 'remove node2'
      await nodesCommand('remove', 'node2')
      const removed = topology.nodes.find((n) => n.name === 'node2') as Node
      removed.app.kill('SIGTERM')
      await steady(2000)
      await endPhase('remove node2')

      // Expand: the next release's column arrives while the old release serves and writes.
      load.phase = 'migrate (add a column)'
      const migrator = new Migrator({
        db,
        provider: {
          getMigrations: async () => ({
            ...migrations,
            '9999_01_01_0001_release_probe': expandMigration,
          }),
        },
      })
      const migrated = await migrator.migrateToLatest()
      assert.equal(migrated.error, undefined)
      await steady(2000)
      await endPhase('migrate (add a column)')
      const commentsAfterExpand = await db
        .selectFrom('comment')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()

      // The new release writes and reads its column beside old nodes that never name it.
      await sql`update comment set release_probe = 'new-release' where id = (select max(id) from comment)`.execute(
        db,
      )

      load.phase = 'rolling deploy'
      const nodesByName = new Map(topology.nodes.map((n) => [n.name, n]))
      const steps = await rollingDeploy(
        pool,
        async (server) => {
          const node = nodesByName.get(server.name) as Node
          node.app.kill('SIGTERM')
          await once(node.app, 'exit')
          node.app = topology.startApp(node.env)
        },
        (line) => console.log(`#   deploy: ${line}`),
      )
      assert.deepEqual(
        steps.map((s) => s.node),
        ['node1', 'node3', 'node4'],
      )
      await steady(1500)
      await endPhase('rolling deploy')
      await load.stop()

      const byRelease = await sql<{ release_probe: string; n: number }>`
        select release_probe, count(*) as n from comment group by release_probe`.execute(db)
      const counts = Object.fromEntries(byRelease.rows.map((r) => [r.release_probe, Number(r.n)]))
      assert.equal(counts['new-release'], 1, 'the new release reads its own column')
      assert.ok(
        (counts['old-release'] ?? 0) > Number(commentsAfterExpand.n),
        'old-release nodes kept commenting after the column was added',
      )
    } finally {
      await load.stop()
      watching = false
      await watcher
      await db.destroy()
    }

    const names = ['node1', 'node2', 'node3', 'node4']
    console.log(`# requests served per node per phase (HAProxy's stot)`)
    console.log(`#   ${'phase'.padEnd(26)}${names.map((n) => n.padStart(8)).join('')}`)
    for (const row of table)
      console.log(
        `#   ${row.phase.padEnd(26)}${names.map((n) => String(row.served.get(n) ?? '-').padStart(8)).join('')}`,
      )
    const total = [...load.perPhase.values()].reduce((a, b) => a + b, 0)
    console.log(`# ${total} requests from ${CLIENTS} clients, ${load.failures.length} failed`)
    for (const name of ['node3', 'node4']) {
      const ms = (firstServed.get(name) as number) - (firstSeen.get(name) as number)
      console.log(`# ${name}: first request ${ms} ms after HAProxy registered it`)
    }
    assert.deepEqual(load.failures.slice(0, 10), [], 'no request failed')
    for (const name of ['node3', 'node4']) {
      const ms = (firstServed.get(name) as number) - (firstSeen.get(name) as number)
      // The node is put in rotation by its own checks (rise 2 at CHECK_INTERVAL), not HAProxy's
      // defaults (2 s, so 4 s at least): the bound leaves a loaded machine room, not that.
      const bound = RISE * CHECK_INTERVAL_MS + 1500
      assert.ok(
        ms <= bound,
        `${name} took traffic ${ms} ms after it was registered: more than ${bound} ms`,
      )
    }
    const deployed = table.find((r) => r.phase === 'rolling deploy')?.served
    for (const name of ['node1', 'node3', 'node4'])
      assert.ok((deployed?.get(name) ?? 0) > 0, `${name} served again after its restart`)
  })
})
