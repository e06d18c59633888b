// A redis-server of the test's own, on a free port in a temporary folder, which the test may
// kill, empty, starve of memory and start again. The shared Redis on 6379 is never touched.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { eventually } from './jobs.js'
import { canConnect, inCI } from './services.js'
import { freePort } from './topology.js'

/** A skip reason when redis-server is not installed (an error under CI), else false. */
export function skipWithoutRedisServer(): string | false {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  if (probe.status === 0) return false
  if (inCI) throw new Error('redis-server is not installed, and CI must run this suite')
  console.log('# NOTICE: skipping: redis-server is not installed')
  return 'redis-server is not installed'
}

export class OwnRedis {
  private process: ChildProcess | undefined

  private constructor(
    readonly port: number,
    readonly dir: string,
    /** Whether data survives a graceful stop (an append-only file), as a real deployment's. */
    readonly persistent: boolean,
  ) {}

  static async start(options: { persistent?: boolean } = {}): Promise<OwnRedis> {
    const redis = new OwnRedis(
      await freePort(),
      await mkdtemp(path.join(os.tmpdir(), 'mlkshk-redis-')),
      options.persistent ?? false,
    )
    await redis.start()
    return redis
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts the server; unless persistent, every start begins empty. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '']
    args.push('--appendonly', this.persistent ? 'yes' : 'no', '--appendfsync', 'always')
    args.push('--dir', this.dir, '--maxmemory-policy', 'noeviction')
    this.process = spawn('redis-server', args, { stdio: 'ignore' })
    await eventually(() => canConnect(this.url, 200), 10_000, 'redis to start')
  }

  /** Stops the server gracefully (SIGTERM: a persistent one keeps its data). */
  async stop(): Promise<void> {
    const process = this.process
    if (!process || process.exitCode !== null || process.signalCode !== null) return
    process.kill('SIGTERM')
    await once(process, 'close')
  }

  /** Kills the server at once, as a crash or a lost machine would. */
  async kill(): Promise<void> {
    const process = this.process
    if (!process || process.exitCode !== null || process.signalCode !== null) return
    process.kill('SIGKILL')
    await once(process, 'close')
  }

  /** Runs one command on a connection of its own (CONFIG SET, INFO, KEYS...). */
  async command(name: string, ...args: Array<string | number>): Promise<unknown> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
    try {
      await client.connect()
      return await client.call(name, ...args)
    } finally {
      client.disconnect()
    }
  }

  async close(): Promise<void> {
    await this.kill()
    await rm(this.dir, { recursive: true, force: true })
  }
}
