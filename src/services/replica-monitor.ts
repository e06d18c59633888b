// Checks every replica each second and tells the replica set which may take reads: replicating
// (both threads running) and no further behind than the limit. A replica that does not answer
// is unfit until it does.
import type { Database } from '../db/database.js'
import type { ReplicaSet } from '../db/replica-set.js'
import { replicationStatus } from '../repositories/replication.js'

interface MonitorLog {
  warn(details: object, message: string): void
  info(details: object, message: string): void
}

export interface MonitoredReplica {
  name: string
  /** A connection of the monitor's own, so a busy read pool cannot delay the check. */
  db: Database
}

export class ReplicaMonitor {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  /** The replicas checked at least once. */
  private readonly checked = new Set<string>()

  constructor(
    private readonly set: ReplicaSet,
    private readonly replicas: readonly MonitoredReplica[],
    private readonly log: MonitorLog,
    private readonly everyMs = 1000,
  ) {}

  /** Checks once at once (so reads may start on a replica), then every interval. */
  async start(): Promise<void> {
    await this.checkAll()
    this.timer = setInterval(() => {
      this.running ??= this.checkAll().finally(() => {
        this.running = undefined
      })
    }, this.everyMs)
    this.timer.unref()
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.check(r)))
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.running
  }

  private async check(replica: MonitoredReplica): Promise<void> {
    const wasFit = this.set.report().find((s) => s.name === replica.name)?.fit
    try {
      const status = await withTimeout(replicationStatus(replica.db), this.everyMs * 2)
      if (!status) this.set.record(replica.name, { lagSeconds: null, reason: 'not replicating' })
      else if (!status.ioRunning || !status.sqlRunning)
        this.set.record(replica.name, {
          lagSeconds: status.secondsBehind,
          reason: `replication stopped${status.lastError ? `: ${status.lastError}` : ''}`,
        })
      else this.set.record(replica.name, { lagSeconds: status.secondsBehind })
    } catch (error) {
      this.set.record(replica.name, {
        lagSeconds: null,
        reason: `unreachable: ${(error as Error).message}`,
      })
    }
    const now = this.set.report().find((s) => s.name === replica.name)
    // Said at the first check too: a replica unfit from the start is news to the operator.
    const first = !this.checked.has(replica.name)
    this.checked.add(replica.name)
    if (now && (first || now.fit !== wasFit)) {
      if (now.fit)
        this.log.info({ replica: replica.name, lag: now.lagSeconds }, 'replica takes reads')
      else this.log.warn({ replica: replica.name, reason: now.reason }, 'replica set aside')
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
