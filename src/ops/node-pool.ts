// The nodes behind HAProxy's backend, changed at run time through its runtime API: no restart,
// no configuration edit. A node enters rotation only after HAProxy's own health check has passed
// `rise` times in a row, and leaves it by draining (no new requests; those in flight finish).

import type { HaproxyRuntime } from './haproxy-runtime.js'
import {
  parseServerStats,
  parseServersState,
  type ServerState,
  type ServerStats,
} from './haproxy-state.js'

export class NodePoolError extends Error {
  override name = 'NodePoolError'
}

export interface NodePoolOptions {
  /** The backend in haproxy.cfg whose servers are the nodes. */
  backend: string
  /** The health check of an added node: the same as the configured nodes' (default-server). */
  checkIntervalMs: number
  rise: number
  fall: number
  /** Longest wait for a draining node's requests to finish. */
  drainTimeoutMs: number
  /** Longest wait for a node's health check to pass. */
  readyTimeoutMs: number
  pollMs?: number
}

export type NodeView = ServerState & Pick<ServerStats, 'sessions' | 'served' | 'status'>

// Names and addresses go into runtime API commands: nothing but what they can be.
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/

export class NodePool {
  private readonly pollMs: number

  constructor(
    private readonly runtime: HaproxyRuntime,
    private readonly options: NodePoolOptions,
  ) {
    // Often enough that a node is put in rotation within a small part of a check interval.
    this.pollMs = options.pollMs ?? Math.min(100, Math.max(10, options.checkIntervalMs / 10))
  }

  async list(): Promise<NodeView[]> {
    const [states, stats] = await Promise.all([this.states(), this.stats()])
    return states.map((state) => {
      const stat = stats.find((s) => s.name === state.name)
      return {
        ...state,
        sessions: stat?.sessions ?? 0,
        served: stat?.served ?? 0,
        status: stat?.status ?? '?',
      }
    })
  }

  /** Requests each node has been sent so far, by name. */
  async served(): Promise<Map<string, number>> {
    return new Map((await this.stats()).map((s) => [s.name, s.served]))
  }

  /**
   * Registers a node at host:port and puts it in rotation once its health check passes.
   * Returns its name (the next free nodeN unless given).
   */
  async add(address: string, name?: string): Promise<string> {
    if (!ADDRESS.test(address)) throw new NodePoolError(`not a HOST:PORT address: ${address}`)
    const existing = await this.states()
    const chosen = name ?? nextName(existing.map((s) => s.name))
    this.checkName(chosen)
    if (existing.some((s) => s.name === chosen))
      throw new NodePoolError(`${chosen} is already a node of ${this.options.backend}`)
    const { checkIntervalMs, rise, fall } = this.options
    await this.send(
      `add server ${this.server(chosen)} ${address} check inter ${checkIntervalMs}ms rise ${rise} fall ${fall}`,
      /New server registered/,
    )
    // A new server starts in maintenance with its checks off.
    await this.send(`enable health ${this.server(chosen)}`)
    await this.ready(chosen)
    return chosen
  }

  /**
   * Puts a node (back) in rotation once HAProxy's health check has passed `rise` times from now:
   * HAProxy would otherwise count a node leaving maintenance as up on its old results.
   */
  async ready(name: string): Promise<void> {
    await this.find(name)
    // Drain (no new requests) until then; forced down, only fresh checks bring it up.
    await this.send(`set server ${this.server(name)} state drain`)
    await this.send(`set server ${this.server(name)} health down`)
    const passed = await this.waitFor(
      this.options.readyTimeoutMs,
      async () => (await this.find(name)).state,
      (s) => s.up && s.lastCheckPassed,
    )
    if (!passed) {
      await this.send(`set server ${this.server(name)} state maint`)
      throw new NodePoolError(
        `${name}'s health check did not pass within ${this.options.readyTimeoutMs / 1000} s: left in maintenance`,
      )
    }
    await this.send(`set server ${this.server(name)} state ready`)
  }

  /**
   * Stops sending the node new requests, waits (bounded) for those in flight to finish, and
   * leaves it in maintenance. Returns the requests still in flight when the wait ended.
   */
  async drain(name: string): Promise<number> {
    await this.find(name)
    await this.send(`set server ${this.server(name)} state drain`)
    let left = 0
    await this.waitFor(
      this.options.drainTimeoutMs,
      async () => (await this.find(name)).stats?.sessions ?? 0,
      (sessions) => {
        left = sessions
        return sessions === 0
      },
    )
    await this.send(`set server ${this.server(name)} state maint`)
    return left
  }

  /** Drains the node if it is not in maintenance yet, then deletes it from the backend. */
  async remove(name: string): Promise<number> {
    const { state } = await this.find(name)
    const left = state.maintenance ? 0 : await this.drain(name)
    // HAProxy refuses while connections to the node remain; they close once idle.
    let refusal = ''
    const deleted = await this.waitFor(
      this.options.drainTimeoutMs,
      async () => {
        const answer = await this.runtime.command(`del server ${this.server(name)}`)
        if (/Server deleted/.test(answer)) return true
        refusal = answer.trim()
        return false
      },
      (done) => done,
    )
    if (!deleted) throw new NodePoolError(`HAProxy did not delete ${name}: ${refusal}`)
    return left
  }

  async states(): Promise<ServerState[]> {
    return parseServersState(
      await this.runtime.command(`show servers state ${this.options.backend}`),
    )
  }

  private async stats(): Promise<ServerStats[]> {
    return parseServerStats(await this.runtime.command('show stat')).filter(
      (s) => s.backend === this.options.backend,
    )
  }

  private async find(name: string): Promise<{ state: ServerState; stats?: ServerStats }> {
    this.checkName(name)
    const [states, stats] = await Promise.all([this.states(), this.stats()])
    const state = states.find((s) => s.name === name)
    if (!state) throw new NodePoolError(`no node ${name} in ${this.options.backend}`)
    return { state, stats: stats.find((s) => s.name === name) }
  }

  private checkName(name: string): void {
    if (!NAME.test(name)) throw new NodePoolError(`not a node name: ${name}`)
  }

  private server(name: string): string {
    return `${this.options.backend}/${name}`
  }

  /** Sends a command whose answer is empty on success (or matches `expected`). */
  private async send(command: string, expected?: RegExp): Promise<void> {
    const answer = (await this.runtime.command(command)).trim()
    if (expected ? !expected.test(answer) : answer !== '')
      throw new NodePoolError(`HAProxy refused "${command}": ${answer}`)
  }

  /** Polls until `done` says so or the time is up; true when done. */
  private async waitFor<T>(
    timeoutMs: number,
    read: () => Promise<T>,
    done: (value: T) => boolean,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (done(await read())) return true
      if (Date.now() >= deadline) return false
      await new Promise((resolve) => setTimeout(resolve, this.pollMs))
    }
  }
}

/** node1, node2, ...: one past the highest number in use. */
export function nextName(names: string[]): string {
  const numbers = names.map((n) => /^node(\d+)$/.exec(n)?.[1]).map(Number)
  return `node${Math.max(0, ...numbers.filter(Number.isFinite)) + 1}`
}
