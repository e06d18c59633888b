// The production topology on loopback, from Debian's nginx and haproxy and npm's s3rver:
// HAProxy -> two nodes (nginx -> app) -> the database, Redis and S3, plus one worker.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Database, openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { projectRoot, staticDir } from '../../src/paths.js'
import { freshEnvironment } from './app.js'
import { entryPoint } from './entry-point.js'
import { eventually } from './jobs.js'
import { OwnMariadb } from './own-mariadb.js'
import { startS3, type TestS3 } from './s3.js'
import { redisUrl } from './services.js'

/**
 * Where free ports are taken from. By default the kernel picks (bind to port 0). CI runs two
 * legs of the suite side by side and gives each its own range below the kernel's ephemeral
 * ports (TEST_PORTS=20000-25999): a port one leg picked but has not bound yet is then never
 * picked by the other leg, nor taken as the local end of some process's outgoing connection.
 */
const portRange = (() => {
  const match = /^(\d+)-(\d+)$/.exec(process.env.TEST_PORTS ?? '')
  return match ? { low: Number(match[1]), high: Number(match[2]) } : undefined
})()
/** Ports this process has handed out from the range: never handed out twice. */
const handedOut = new Set<number>()

async function listenOn(port: number): Promise<net.Server | undefined> {
  const server = net.createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

/** A server listening on a free port: the kernel's pick, or a random one of TEST_PORTS. */
async function listenOnFreePort(): Promise<net.Server> {
  if (!portRange) {
    const server = await listenOn(0)
    if (!server) throw new Error('could not listen on any port')
    return server
  }
  const { low, high } = portRange
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1))
    if (handedOut.has(port)) continue
    handedOut.add(port)
    const server = await listenOn(port)
    if (server) return server
  }
  throw new Error(`no free port left in TEST_PORTS=${process.env.TEST_PORTS}`)
}

/**
 * A free port held open until `release()`: for a port the test must name long before the
 * server that binds it starts (HAProxy's, which the nodes' BASE_URL names), so that nothing else
 * running meanwhile is handed it.
 */
export async function reservePort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = await listenOnFreePort()
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export async function freePort(): Promise<number> {
  const server = await listenOnFreePort()
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * One topology at a time on this machine, across test processes and CI's side-by-side legs: each
 * runs a dozen processes (two nginx and two app nodes, a worker, HAProxy, S3, perhaps two
 * MariaDBs) and times its requests, and two of them on two cores starve each other into
 * timeouts. A folder is the lock (mkdir is atomic); it names its holder's pid, so a lock left by
 * a killed process is taken over.
 */
const topologyLock = path.join(os.tmpdir(), 'mlkshk-topology.lock')

async function lockTopology(): Promise<() => void> {
  const started = performance.now()
  let holder = ''
  for (;;) {
    try {
      mkdirSync(topologyLock)
      writeFileSync(path.join(topologyLock, 'pid'), String(process.pid))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    holder = readFileSafe(path.join(topologyLock, 'pid'))
    if (holder && !alive(Number(holder))) rmSync(topologyLock, { recursive: true, force: true })
    else await sleep(500)
  }
  const waited = Math.round((performance.now() - started) / 1000)
  if (waited > 0) console.log(`# waited ${waited} s for another topology (pid ${holder}) to stop`)
  // The topology's processes (started from here, they inherit it) come first for the CPU: its
  // suites time health checks and failovers in hundreds of milliseconds, while the other test
  // files running beside it merely take longer. Only root may raise a priority (CI runs as root).
  try {
    os.setPriority(-5)
  } catch {}
  let released = false
  const release = () => {
    if (released) return
    released = true
    if (readFileSafe(path.join(topologyLock, 'pid')) === String(process.pid))
      rmSync(topologyLock, { recursive: true, force: true })
  }
  process.once('exit', release)
  return release
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return ''
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Fills the ${NAME} placeholders of a template; a placeholder left unfilled is an error. */
function render(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_all, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`no value for \${${name}}`)
    return value
  })
}

/** What differs between one local node's nginx and another's. */
export interface NodeNginx {
  prefix: string
  listenPort: number
  /** stub_status's port (GET /nginx_status). */
  statusPort: number
  appPort: number
  staticRoot: string
  filesRoot: string
  uploadMaxBytes: number
  bodyTimeout: string
  /** The rate limit of uploads and sign-ins, as nginx writes it (50r/s). */
  rate: string
}

/** One node's nginx.conf from the production template, with this machine's paths. */
export function nodeNginxConf(template: string, node: NodeNginx): string {
  return render(template, {
    NGINX_PREFIX: node.prefix,
    NGINX_MIME_TYPES: '/etc/nginx/mime.types',
    NGINX_LISTEN: `127.0.0.1:${node.listenPort}`,
    NGINX_STATUS_LISTEN: `127.0.0.1:${node.statusPort}`,
    APP_UPSTREAM: `127.0.0.1:${node.appPort}`,
    STATIC_ROOT: node.staticRoot,
    UPLOAD_MAX_BODY: String(node.uploadMaxBytes),
    BODY_TIMEOUT: node.bodyTimeout,
    TRUSTED_PROXY: '127.0.0.1',
    UPLOAD_RATE: node.rate,
    SIGNIN_RATE: node.rate,
    RESOLVER: '127.0.0.1',
    FILE_CACHE_SIZE: '256m',
    LOCAL_FILES_ROOT: node.filesRoot,
  })
}

async function reachable(url: string): Promise<boolean> {
  return fetch(url).then(
    (r) => r.status < 500,
    () => false,
  )
}

async function stopNginx(nginx: ChildProcess): Promise<void> {
  if (nginx.exitCode !== null || nginx.signalCode !== null) return
  const exited = once(nginx, 'exit').catch(() => {})
  nginx.kill('SIGTERM')
  const timer = setTimeout(() => nginx.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

export interface Node {
  name: string
  /** nginx's prefix folder: its logs and temporary files. */
  prefix: string
  appPort: number
  nginxPort: number
  nginxStatusPort: number
  app: ChildProcess
  nginx: ChildProcess
  env: Record<string, string>
}

export class Topology {
  readonly nodes: Node[] = []
  worker: ChildProcess | undefined
  haproxy: ChildProcess | undefined
  s3: TestS3 | undefined
  haproxyPort = 0
  statsPort = 0
  /** The worker's Prometheus endpoint (WORKER_METRICS_PORT). */
  workerMetricsPort = 0
  private dir = ''
  private drop: () => Promise<void> = async () => {}
  private options: { uploadMaxBytes: number; bodyTimeout: string; staticRoot?: string } | undefined
  /** With `replica: true`: the primary and the replica the nodes read from. */
  primary: OwnMariadb | undefined
  /** Ports held until HAProxy starts (released by stop() too, if it never does). */
  private reserved: Array<() => Promise<void>> = []
  replica: OwnMariadb | undefined
  private template: string | undefined
  env: Record<string, string> = {}
  private unlock: () => void = () => {}

  get url() {
    return `http://127.0.0.1:${this.haproxyPort}`
  }

  /** A connection of the test's own to the topology's database (close it when done). */
  openDatabase(): Database {
    const url = this.env.DATABASE_URL as string
    return openDatabase(
      url.startsWith('mysql')
        ? { dialect: 'mysql', url }
        : { dialect: 'sqlite', file: url.slice('sqlite:'.length) },
    )
  }

  async start(options: {
    uploadMaxBytes: number
    bodyTimeout: string
    staticRoot?: string
    quiet?: boolean
    /** A MariaDB primary and replica of its own (binary log, GTID) instead of the run's database. */
    replica?: boolean
  }): Promise<void> {
    this.unlock = await lockTopology()
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-topology-'))
    await chmod(this.dir, 0o777)
    const replication = options.replica ? await this.startReplication() : undefined
    const fresh = await freshEnvironment(replication ? { mysqlServer: replication.primary } : {})
    this.drop = fresh.drop
    this.s3 = await startS3()
    const haproxyPort = await reservePort()
    const statsPort = await reservePort()
    this.haproxyPort = haproxyPort.port
    this.statsPort = statsPort.port
    this.reserved.push(haproxyPort.release, statsPort.release)
    this.env = {
      ...fresh.env,
      ...this.s3.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      BASE_URL: this.url,
      TRUST_PROXY: '127.0.0.1',
      DRAIN_SECONDS: '2',
      // Each node keeps members' sessions (production's default is 10 s), long enough that in
      // a test only a drop from the other node can end one.
      SESSION_CACHE_SECONDS: '30',
      UPLOAD_MAX_BYTES: String(options.uploadMaxBytes),
      RATE_LIMIT_UPLOAD: '1000/60',
      RATE_LIMIT_SIGN_IN: '1000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
      // Its load comes from a few people writing far faster than people do: the per-user
      // write limits are not this topology's subject (test/security/anti-automation.test.ts).
      RATE_LIMIT_LIKE: '1000000/60',
      RATE_LIMIT_COMMENT: '1000000/60',
      RATE_LIMIT_SAVE: '1000000/60',
      RATE_LIMIT_FOLLOW: '1000000/60',
    }
    if (replication) {
      const database = new URL(this.env.DATABASE_URL as string).pathname
      this.env.DATABASE_REPLICA_URLS = `${replication.replica.replace(/\/$/, '')}${database}`
      this.env.REPLICA_MAX_LAG_SECONDS = '2'
      await eventually(
        async () =>
          ((await this.replica?.query(`show databases like '${database.slice(1)}'`)) ?? []).length >
          0,
        30_000,
        'the database on the replica',
      )
    }
    // Production migrates once, before the nodes start.
    if (!this.env.DATABASE_URL)
      this.env.DATABASE_URL = `sqlite:${path.join(this.env.DATA_DIR as string, 'site.sqlite')}`
    const db = this.openDatabase()
    await migrateToLatest(db)
    await db.destroy()

    this.options = options
    for (const name of ['node1', 'node2']) this.nodes.push(await this.startNode(name, false))
    for (const node of this.nodes) await this.nodeReachable(node)
    this.workerMetricsPort = await freePort()
    this.worker = this.startWorker()
    await Promise.all([haproxyPort.release(), statsPort.release()])
    this.haproxy = spawn('haproxy', ['-db', '-f', path.join(projectRoot, 'haproxy/haproxy.cfg')], {
      env: {
        PATH: process.env.PATH ?? '',
        HAPROXY_BIND: `127.0.0.1:${this.haproxyPort}`,
        HAPROXY_STATS_BIND: `127.0.0.1:${this.statsPort}`,
        HAPROXY_ADMIN_SOCKET: this.adminSocket,
        NODE1: `127.0.0.1:${this.nodes[0]?.nginxPort}`,
        NODE2: `127.0.0.1:${this.nodes[1]?.nginxPort}`,
        CHECK_INTERVAL: '300ms',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let haproxyErrors = ''
    this.haproxy.stderr?.on('data', (chunk) => {
      haproxyErrors += chunk
    })
    this.haproxy.once('exit', (code) => {
      if (code) console.log(`# haproxy exited with ${code}: ${haproxyErrors.slice(-500)}`)
    })
    let states: string[] = []
    await eventually(
      async () => {
        states = await this.serverStates()
        return states.join() === 'UP,UP'
      },
      20_000,
      'HAProxy to see both nodes up',
    ).catch((error: Error) => {
      throw new Error(`${error.message} (last seen: ${states.join() || 'no stats'})`)
    })
  }

  private async startReplication(): Promise<{ primary: string; replica: string }> {
    ;[this.primary, this.replica] = await Promise.all([
      OwnMariadb.start({ serverId: 1, role: 'primary' }),
      OwnMariadb.start({ serverId: 2, role: 'replica' }),
    ])
    await this.replica.replicateFrom(this.primary)
    return { primary: this.primary.url, replica: this.replica.url }
  }

  /** The worker process; its metrics on workerMetricsPort. */
  startWorker(): ChildProcess {
    return spawn(process.execPath, [entryPoint('worker')], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '',
        ...this.env,
        WORKER_METRICS_PORT: String(this.workerMetricsPort),
      },
      stdio: 'ignore',
    })
  }

  /** HAProxy's runtime API (haproxy.cfg's admin stats socket). */
  get adminSocket() {
    return path.join(this.dir, 'haproxy-admin.sock')
  }

  /**
   * Starts one node (nginx -> app) on free ports; HAProxy learns of it only when told (the
   * first two are in its configuration). Waits until both answer unless told not to.
   */
  async startNode(name: string, wait = true): Promise<Node> {
    const options = this.options
    if (!options) throw new Error('start the topology first')
    this.template ??= await readFile(path.join(projectRoot, 'nginx/nginx.conf.template'), 'utf8')
    const appPort = await freePort()
    const nginxPort = await freePort()
    const nginxStatusPort = await freePort()
    const prefix = path.join(this.dir, name)
    await mkdir(prefix, { recursive: true, mode: 0o777 })
    await chmod(prefix, 0o777)
    const conf = path.join(prefix, 'nginx.conf')
    await writeFile(
      conf,
      nodeNginxConf(this.template, {
        prefix,
        listenPort: nginxPort,
        statusPort: nginxStatusPort,
        appPort,
        staticRoot: options.staticRoot ?? staticDir,
        filesRoot: path.join(this.env.DATA_DIR as string, 'files'),
        uploadMaxBytes: options.uploadMaxBytes,
        bodyTimeout: options.bodyTimeout,
        rate: '50r/s',
      }),
    )
    // The app adds up the views its nginx answered from the answer cache.
    const env = {
      ...this.env,
      PORT: String(appPort),
      VIEW_LOG_FILE: path.join(prefix, 'views.log'),
    }
    const node: Node = {
      name,
      prefix,
      appPort,
      nginxPort,
      nginxStatusPort,
      env,
      app: this.startApp(env),
      nginx: spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' }),
    }
    if (wait) await this.nodeReachable(node)
    return node
  }

  /** Waits until the node's app and its nginx answer the health check. */
  async nodeReachable(node: Node): Promise<void> {
    await eventually(
      () => reachable(`http://127.0.0.1:${node.appPort}/healthy/is-healthy`),
      30_000,
      `${node.name} app`,
    )
    await eventually(
      () => reachable(`http://127.0.0.1:${node.nginxPort}/healthy/is-healthy`),
      10_000,
      `${node.name} nginx`,
    )
  }

  startApp(env: Record<string, string>): ChildProcess {
    return spawn(process.execPath, [entryPoint('server')], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? '', ...env },
      stdio: 'ignore',
    })
  }

  /** The state HAProxy gives each node (UP, DOWN, NOLB, ...), from its stats CSV. */
  async serverStates(): Promise<string[]> {
    const csv = await fetch(`http://127.0.0.1:${this.statsPort}/;csv`).then(
      (r) => r.text(),
      () => '',
    )
    return csv
      .split('\n')
      .filter((line) => line.startsWith('nodes,node'))
      .map((line) => (line.split(',')[17] ?? '').split(' ')[0] as string)
  }

  /** Requests HAProxy has sent to each node so far (stats column stot). */
  async sessionsServed(): Promise<number[]> {
    const csv = await fetch(`http://127.0.0.1:${this.statsPort}/;csv`).then(
      (r) => r.text(),
      () => '',
    )
    return csv
      .split('\n')
      .filter((line) => line.startsWith('nodes,node'))
      .map((line) => Number(line.split(',')[7] ?? 0))
  }

  describe(): string {
    return [
      `HAProxy ${this.url} (stats on ${this.statsPort})`,
      ...this.nodes.map(
        (n) => `  ${n.name}: nginx 127.0.0.1:${n.nginxPort} -> app 127.0.0.1:${n.appPort}`,
      ),
      `worker, database ${this.env.DATABASE_URL?.replace(/\/\/[^@]*@/, '//')}, Redis ${redisUrl}, S3 ${this.s3?.endpoint}`,
    ].join('\n')
  }

  async stop(): Promise<void> {
    await Promise.all(this.reserved.map((release) => release()))
    const children = [this.haproxy, this.worker, ...this.nodes.map((n) => n.app)]
    for (const child of children) {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await once(child, 'exit').catch(() => {})
      }
    }
    // nginx's master stops its workers and cache processes on its own fast-shutdown signal;
    // killed outright, it would leave them behind.
    await Promise.all(this.nodes.map((n) => stopNginx(n.nginx)))
    await this.s3?.close()
    await this.drop()
    await Promise.all([this.primary?.close(), this.replica?.close()])
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
    this.unlock()
  }
}
