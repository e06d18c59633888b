// The gauges read when Prometheus scrapes: queue depth and age (BullMQ), the outbox (the
// database's list of work not yet done) and the database pool. Every web node and the worker
// show the queue and outbox numbers (they are the site's, not the process's; alerts take the
// max over instances), so the numbers stay visible while any one process is away.
import type { Database } from '../db/database.js'
import { poolUsage } from '../db/pool-usage.js'
import type { QueueHealth } from '../jobs/bullmq.js'
import { type OutboxHealth, outboxHealth } from '../repositories/outbox.js'
import type { Metrics } from './metrics.js'

interface Sources {
  db: Database
  /** Throws when Redis is away; empty without a queue (embedded). */
  queueHealth(): Promise<Record<string, QueueHealth>>
}

interface Sample {
  queues: Record<string, QueueHealth> | undefined
  outbox: OutboxHealth | undefined
}

/** Scrapes closer together than this share one look at Redis and the database. */
const SAMPLE_MS = 1000

export function registerSiteGauges(metrics: Metrics, sources: Sources): void {
  let last: { at: number; sample: Promise<Sample> } | undefined
  const sample = (): Promise<Sample> => {
    if (last && Date.now() - last.at < SAMPLE_MS) return last.sample
    const taken = Promise.all([
      sources.queueHealth().catch(() => undefined),
      outboxHealth(sources.db).catch(() => undefined),
    ]).then(([queues, outbox]) => ({ queues, outbox }))
    last = { at: Date.now(), sample: taken }
    return taken
  }

  metrics.gauge(
    'mlkshk_queue_waiting_jobs',
    'Jobs waiting in each queue',
    ['queue'],
    async (set) => {
      for (const [queue, health] of Object.entries((await sample()).queues ?? {}))
        set({ queue }, health.waiting)
    },
  )
  metrics.gauge(
    'mlkshk_queue_oldest_waiting_seconds',
    'Age of the oldest waiting job of each queue (grows while no worker takes jobs)',
    ['queue'],
    async (set) => {
      for (const [queue, health] of Object.entries((await sample()).queues ?? {}))
        set({ queue }, health.oldestWaitingSeconds)
    },
  )
  metrics.gauge(
    'mlkshk_queue_jobs',
    'Jobs in each queue by state',
    ['queue', 'state'],
    async (set) => {
      for (const [queue, health] of Object.entries((await sample()).queues ?? {})) {
        for (const state of ['active', 'delayed', 'failed', 'stalled'] as const)
          set({ queue, state }, health[state])
      }
    },
  )
  metrics.gauge(
    'mlkshk_queue_up',
    '1 when the queue (Redis) answered the last look, 0 when it did not',
    [],
    async (set) => set({}, (await sample()).queues ? 1 : 0),
  )
  metrics.gauge(
    'mlkshk_outbox_pending',
    'Outbox rows not yet done (waiting for the relay, or with the queue)',
    [],
    async (set) => {
      const outbox = (await sample()).outbox
      if (outbox) set({}, outbox.pending + outbox.relayed)
    },
  )
  metrics.gauge(
    'mlkshk_outbox_oldest_pending_seconds',
    'Age of the oldest outbox row not yet done',
    [],
    async (set) => {
      const outbox = (await sample()).outbox
      if (outbox) set({}, outbox.oldestWaitingSeconds)
    },
  )
  metrics.gauge(
    'mlkshk_outbox_dead',
    'Outbox rows that failed for the last time (the operator page lists them)',
    [],
    async (set) => {
      const outbox = (await sample()).outbox
      if (outbox) set({}, outbox.dead)
    },
  )
  const pool = () => poolUsage(sources.db)
  metrics.gauge('mlkshk_db_pool_in_use', 'Database connections in use', [], (set) =>
    set({}, pool().inUse),
  )
  metrics.gauge('mlkshk_db_pool_waiting', 'Callers waiting for a database connection', [], (set) =>
    set({}, pool().waiting),
  )
  metrics.gauge('mlkshk_db_pool_size', 'Most database connections this process opens', [], (set) =>
    set({}, pool().size),
  )
}
