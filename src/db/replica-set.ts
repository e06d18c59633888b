// The read replicas and what is known of each: whether it is fit to take reads (replicating, no
// further behind than the limit, answering) and which one takes the next read.
import type { Driver } from 'kysely'

export interface ReplicaState {
  /** host:port, never the URL: it may hold a password. */
  name: string
  fit: boolean
  lagSeconds: number | null
  /** Why it is not fit. */
  reason?: string
  checkedAt?: Date
}

export interface Replica {
  readonly name: string
  readonly url: string
  readonly driver: Driver
}

export class ReplicaSet {
  private readonly states: ReplicaState[]
  private next = 0

  constructor(
    readonly replicas: readonly Replica[],
    readonly maxLagSeconds: number,
  ) {
    // Nothing takes reads until its first check says it may.
    this.states = replicas.map((r) => ({
      name: r.name,
      fit: false,
      lagSeconds: null,
      reason: 'not checked yet',
    }))
  }

  /** A fit replica, in turn; undefined when none is (reads go to the primary). */
  pick(): Replica | undefined {
    for (let tries = 0; tries < this.replicas.length; tries++) {
      const index = this.next++ % this.replicas.length
      if (this.states[index]?.fit) return this.replicas[index]
    }
    return undefined
  }

  /** A check's finding: replication running with this lag, or the reason it is not usable. */
  record(name: string, finding: { lagSeconds: number | null; reason?: string }): void {
    const state = this.stateOf(name)
    if (!state) return
    state.lagSeconds = finding.lagSeconds
    state.checkedAt = new Date()
    state.reason =
      finding.reason ??
      (finding.lagSeconds === null
        ? 'lag unknown'
        : finding.lagSeconds > this.maxLagSeconds
          ? `${finding.lagSeconds} s behind (limit ${this.maxLagSeconds} s)`
          : undefined)
    state.fit = state.reason === undefined
  }

  /** A read on it failed: no more reads until a check finds it fit again. */
  failed(name: string, error: unknown): void {
    const state = this.stateOf(name)
    if (!state) return
    state.fit = false
    state.reason = `read failed: ${(error as Error).message ?? String(error)}`
  }

  report(): ReplicaState[] {
    return this.states.map((s) => ({ ...s }))
  }

  private stateOf(name: string): ReplicaState | undefined {
    return this.states.find((s) => s.name === name)
  }
}

export function replicaName(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}:${parsed.port || '3306'}`
}
