// Puts the job machinery together for a process. Embedded (no REDIS_URL): the web process runs
// outbox rows and schedules itself. Production: web processes relay rows to BullMQ; the worker
// process runs them, runs the schedules, and relays too (so rows never wait for a web request).
// BullMQ and ioredis are loaded only with REDIS_URL: an embedded site never needs them.
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { createMailer } from '../mail/mailer.js'
import { Metrics } from '../observability/metrics.js'
import { createFileStore } from '../storage/create-store.js'
import type { FailedJob, QueueHealth } from './bullmq.js'
import { InProcessDispatcher, startTimers } from './in-process.js'
import type { JobContext, JobLog } from './job-context.js'
import type { WorkSignal } from './job-names.js'
import { OutboxRelay } from './relay.js'

export interface JobRuntime extends WorkSignal {
  readonly mode: 'in-process' | 'bullmq'
  relay: OutboxRelay
  /** Queue depths and ages (BullMQ); empty when jobs run in-process. Throws when Redis is away. */
  queueHealth(): Promise<Record<string, QueueHealth>>
  /** Failed queue jobs (BullMQ), and what the operator decides about one. */
  failedJobs(): Promise<FailedJob[]>
  settleFailed(queue: string, id: string, action: 'retry' | 'discard'): Promise<boolean>
  /** True for one caller across the site within ttlSeconds (always, with one process). */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>
  /** Ends a claim early, so the next claimOnce of the key succeeds. */
  releaseClaim(key: string): Promise<void>
  /** Runs relay passes until the outbox has nothing ready (tests; embedded shutdown). */
  drain(): Promise<void>
  close(): Promise<void>
}

export async function createJobRuntime(
  config: Readonly<Config>,
  db: Database,
  log: JobLog,
  options: { role: 'web' | 'worker'; relayIntervalMs?: number; metrics?: Metrics } = {
    role: 'web',
  },
): Promise<JobRuntime> {
  const ctx: JobContext = {
    db,
    store: await createFileStore(config),
    config,
    log,
    mailer: createMailer(config, log),
    metrics: options.metrics ?? new Metrics(options.role),
  }
  const interval = options.relayIntervalMs ?? 1000
  if (!config.redisUrl) {
    const relay = new OutboxRelay(
      db,
      new InProcessDispatcher(ctx),
      log,
      interval,
      config.outboxRecheckSeconds,
    )
    relay.start()
    const stopTimers = startTimers(ctx)
    return {
      mode: 'in-process',
      relay,
      kick: () => relay.kick(),
      drain: () => relay.drain(),
      queueHealth: async () => ({}),
      failedJobs: async () => [],
      settleFailed: async () => false,
      claimOnce: async () => true,
      releaseClaim: async () => {},
      async close() {
        stopTimers()
        await relay.stop()
      },
    }
  }
  return startBullmq(config.redisUrl, ctx, log, options.role, interval)
}

async function startBullmq(
  url: string,
  ctx: JobContext,
  log: JobLog,
  role: 'web' | 'worker',
  interval: number,
): Promise<JobRuntime> {
  const { producerConnection, QueueDispatcher, startWorkers } = await import('./bullmq.js')
  const dispatcher = new QueueDispatcher(producerConnection(url), ctx.config.redisPrefix)
  const relay = new OutboxRelay(ctx.db, dispatcher, log, interval, ctx.config.outboxRecheckSeconds)
  const workers = role === 'worker' ? await startWorkers(ctx, url) : undefined
  relay.start()
  return {
    mode: 'bullmq',
    relay,
    kick: () => relay.kick(),
    drain: () => relay.drain(),
    queueHealth: () => dispatcher.health(),
    failedJobs: () => dispatcher.failedJobs(),
    settleFailed: (queue, id, action) => dispatcher.settleFailed(queue, id, action),
    claimOnce: (key, ttlSeconds) => dispatcher.claimOnce(key, ttlSeconds),
    releaseClaim: (key) => dispatcher.releaseClaim(key),
    async close() {
      await relay.stop()
      await workers?.close()
      await dispatcher.close()
    },
  }
}
