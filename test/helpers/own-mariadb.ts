// A MariaDB server of the test's own (its own data folder, a free port), which the test may kill
// and start again. The shared MariaDB on 3306 is never touched.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createConnection } from 'mysql2/promise'
import { eventually } from './jobs.js'
import { canConnect, inCI } from './services.js'
import { freePort } from './topology.js'

const serverBinary = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].find((file) => existsSync(file))
const runningAsRoot = process.getuid?.() === 0

/** A skip reason when MariaDB's server is not installed (an error under CI), else false. */
export function skipWithoutMariadbServer(): string | false {
  // Only looked up, never run here: without --no-defaults it would read the shared server's
  // configuration.
  const install = spawnSync('sh', ['-c', 'command -v mariadb-install-db'], { stdio: 'ignore' })
  if (serverBinary && install.status === 0) return false
  if (inCI) throw new Error('mariadbd is not installed, and CI must run this suite')
  console.log('# NOTICE: skipping: mariadbd is not installed')
  return 'mariadbd is not installed'
}

/** A server in a replication pair: its id, and the primary's binary log (GTID) or a replica's read_only. */
export interface ReplicationRole {
  serverId: number
  role: 'primary' | 'replica'
}

export class OwnMariadb {
  private process: ChildProcess | undefined

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly replication?: ReplicationRole,
  ) {}

  /** Creates the data folder (a few seconds, cold) and starts the server. */
  static async start(replication?: ReplicationRole): Promise<OwnMariadb> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-mariadb-'))
    const install = spawnSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${path.join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...(runningAsRoot ? ['--user=root'] : []),
      ],
      { encoding: 'utf8' },
    )
    if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`)
    const server = new OwnMariadb(await freePort(), dir, replication)
    await server.start()
    return server
  }

  /** The server's root URL; add a database name to its path. */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/`
  }

  async start(): Promise<void> {
    this.process = spawn(
      serverBinary as string,
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--port=${this.port}`,
        `--socket=${path.join(this.dir, 'sock')}`,
        `--pid-file=${path.join(this.dir, 'pid')}`,
        // Its temporary tables stay in its own folder, away from the shared server's /tmp.
        `--tmpdir=${this.dir}`,
        '--bind-address=127.0.0.1',
        ...this.replicationArguments(),
        '--innodb-buffer-pool-size=32M',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        ...(runningAsRoot ? ['--user=root'] : []),
      ],
      { stdio: 'ignore' },
    )
    await eventually(() => canConnect(this.url, 200), 30_000, 'mariadbd to start')
    // The port opens a moment before the server takes queries.
    await eventually(
      async () => {
        const connection = await createConnection({ uri: this.url }).catch(() => undefined)
        await connection?.end()
        return connection !== undefined
      },
      30_000,
      'mariadbd to accept connections',
    )
  }

  private replicationArguments(): string[] {
    if (!this.replication) return ['--skip-log-bin']
    const common = [`--server-id=${this.replication.serverId}`, '--binlog-format=ROW']
    if (this.replication.role === 'primary')
      return [...common, `--log-bin=${path.join(this.dir, 'binlog')}`]
    return [
      ...common,
      '--skip-log-bin',
      '--read-only=1',
      `--relay-log=${path.join(this.dir, 'relay')}`,
    ]
  }

  /**
   * Makes this server a replica of `primary` (binary log with GTIDs), from the primary's first
   * event: start the pair before creating any database. `delaySeconds` holds every event back.
   */
  async replicateFrom(primary: OwnMariadb, delaySeconds = 0): Promise<void> {
    await this.query(
      `change master to master_host='127.0.0.1', master_port=${primary.port}, master_user='root', master_password='', master_use_gtid=slave_pos, master_delay=${delaySeconds}, master_connect_retry=1`,
    )
    await this.query('start slave')
  }

  /** Changes the replica's delay (replication stops for a moment). */
  async setReplicationDelay(delaySeconds: number): Promise<void> {
    await this.query('stop slave')
    await this.query(`change master to master_delay=${delaySeconds}`)
    await this.query('start slave')
  }

  /** Changes a row on this server alone, left out of its binary log: a mark that tells which
   * server a page was read from (the primary's copy of the row stays as it was). */
  async writeHereOnly(statement: string): Promise<void> {
    const connection = await createConnection({ uri: this.url })
    try {
      await connection.query('set session sql_log_bin = 0')
      await connection.query(statement)
    } finally {
      await connection.end()
    }
  }

  async query(statement: string): Promise<Record<string, unknown>[]> {
    const connection = await createConnection({ uri: this.url })
    try {
      const [rows] = await connection.query(statement)
      return rows as Record<string, unknown>[]
    } finally {
      await connection.end()
    }
  }

  /** Kills the server at once, as a crash would; InnoDB recovers on the next start. */
  async kill(): Promise<void> {
    const process = this.process
    if (!process || process.exitCode !== null || process.signalCode !== null) return
    process.kill('SIGKILL')
    await once(process, 'close')
  }

  async close(): Promise<void> {
    await this.kill()
    await rm(this.dir, { recursive: true, force: true })
  }
}
