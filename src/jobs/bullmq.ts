// Production's runner: BullMQ on Redis. Web processes only produce (failing fast while Redis is
// away, so a request never waits on it: the row simply stays in the outbox); the worker
// process consumes, retries with back-off, and marks each outbox row done or dead.
import { once } from 'node:events'
import { type ConnectionOptions, Queue, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { reportError } from '../observability/error-reports.js'
import { finishOutbox, type OutboxRow } from '../repositories/outbox.js'
import { runJob, schedules } from './definitions.js'
import type { JobContext } from './job-context.js'
import { type JobName, queueNames, queueOf } from './job-names.js'
import type { JobFate, QueueHandoff } from './relay.js'
import { MAX_ATTEMPTS, PermanentJobError } from './retry.js'

export interface QueueHealth {
  waiting: number
  active: number
  delayed: number
  failed: number
  /** Active jobs whose worker no longer holds the lock (it died); taken up again soon. */
  stalled: number
  oldestWaitingSeconds: number
}

export interface FailedJob {
  queue: string
  id: string
  name: string
  attempts: number
  reason: string
  failedAt: Date | undefined
}

interface QueuedJob {
  outboxId?: number
  payload: unknown
}

const jobOptions = {
  attempts: MAX_ATTEMPTS,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const

/** How long a hand-off waits for a connection being made (producerConnection's connectTimeout). */
const CONNECT_WAIT_MS = 2000

/** A connection for producers: no offline queue, one quick try, so calls fail instead of waiting. */
export function producerConnection(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_WAIT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  })
  redis.on('error', () => {})
  return redis
}

/** One queue job per outbox row and attempt: adding the same row twice adds it once. */
function jobIdOf(row: OutboxRow): string {
  return `outbox-${row.id}-${row.attempts}`
}

export class QueueDispatcher implements QueueHandoff {
  readonly name = 'bullmq'
  readonly runsJobs = false as const
  readonly queues: Map<string, Queue>

  constructor(
    readonly connection: Redis,
    private readonly prefix: string,
  ) {
    this.queues = new Map(
      queueNames.map((name) => [
        name,
        new Queue(name, { connection, prefix, skipWaitingForReady: true, skipVersionCheck: true }),
      ]),
    )
    for (const queue of this.queues.values()) queue.on('error', () => {})
  }

  /** One addBulk per queue the rows go to (a pass's rows are mostly one queue's). */
  async handOver(rows: readonly OutboxRow[]): Promise<void> {
    await this.connected()
    const byQueue = new Map<Queue, OutboxRow[]>()
    for (const row of rows) {
      const queue = this.queueFor(row)
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), row])
    }
    await Promise.all(
      [...byQueue].map(([queue, queued]) =>
        queue.addBulk(
          queued.map((row) => ({
            name: row.job,
            data: { outboxId: row.id, payload: row.payload } satisfies QueuedJob,
            opts: { ...jobOptions, jobId: jobIdOf(row) },
          })),
        ),
      ),
    )
  }

  /**
   * A connection still being made (a node just started, Redis just came back) is waited for,
   * as long as a connect may take: without an offline queue, a command sent before it is ready
   * fails at once, and the rows would wait for the next pass for nothing.
   */
  private async connected(): Promise<void> {
    if (this.connection.status === 'ready') return
    await once(this.connection, 'ready', { signal: AbortSignal.timeout(CONNECT_WAIT_MS) })
  }

  private queueFor(row: OutboxRow): Queue {
    return this.queues.get(queueOf[row.job as JobName] ?? 'social') as Queue
  }

  async fate(row: OutboxRow): Promise<JobFate> {
    const job = await this.queueFor(row).getJob(jobIdOf(row))
    if (!job) return { state: 'lost' }
    const state = await job.getState()
    if (state === 'completed') return { state: 'completed' }
    if (state === 'failed') return { state: 'failed', reason: job.failedReason ?? 'failed' }
    // 'unknown': removed between the two reads.
    if (state === 'unknown') return { state: 'lost' }
    return { state: 'held' }
  }

  /** Per queue: waiting, active, delayed, failed and stalled counts, and the oldest waiting job's age. */
  async health(): Promise<Record<string, QueueHealth>> {
    const result: Record<string, QueueHealth> = {}
    for (const [name, queue] of this.queues) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')
      const [oldest] = await queue.getWaiting(0, 0)
      result[name] = {
        waiting: counts.waiting ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        stalled: await this.stalledCount(queue),
        oldestWaitingSeconds: oldest ? Math.round((Date.now() - oldest.timestamp) / 1000) : 0,
      }
    }
    return result
  }

  /**
   * Active jobs without a lock: a worker holds the lock of each job it runs and renews it, so
   * an active job without one belongs to a worker that died. BullMQ has no count for this; its
   * stalled-job checker finds the same jobs (by the same lock key) and moves them back.
   */
  private async stalledCount(queue: Queue): Promise<number> {
    const active = await queue.getActive(0, 999)
    if (active.length === 0) return 0
    const held = await this.connection.exists(...active.map((job) => queue.toKey(`${job.id}:lock`)))
    return active.length - held
  }

  /**
   * True for one caller across every node within ttlSeconds (Redis SET NX EX), so that an
   * alarm every web node sees is reported once. True as well when Redis does not answer: a
   * duplicate alarm is better than none.
   */
  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    try {
      const set = await this.connection.set(
        `${this.prefix}:once:${key}`,
        '1',
        'EX',
        ttlSeconds,
        'NX',
      )
      return set === 'OK'
    } catch {
      return true
    }
  }

  async releaseClaim(key: string): Promise<void> {
    await this.connection.del(`${this.prefix}:once:${key}`).catch(() => {})
  }

  /** The latest failed jobs of every queue, for the operator page. */
  async failedJobs(limit = 50): Promise<FailedJob[]> {
    const jobs: FailedJob[] = []
    for (const [queue, q] of this.queues) {
      for (const job of await q.getFailed(0, limit - 1)) {
        jobs.push({
          queue,
          id: String(job.id),
          name: job.name,
          attempts: job.attemptsMade,
          reason: job.failedReason ?? '',
          failedAt: job.finishedOn ? new Date(job.finishedOn) : undefined,
        })
      }
    }
    return jobs
  }

  /** Retries (back to waiting) or discards a failed job; false when there is no such job. */
  async settleFailed(queue: string, id: string, action: 'retry' | 'discard'): Promise<boolean> {
    const job = await this.queues.get(queue)?.getJob(id)
    if (!job || !(await job.isFailed())) return false
    if (action === 'retry') await job.retry('failed')
    else await job.remove()
    return true
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})))
    this.connection.disconnect()
  }
}

/** The worker side: one BullMQ Worker per queue, and the scheduled jobs registered with Redis. */
export async function startWorkers(
  ctx: JobContext,
  url: string,
  options: { concurrency?: number } = {},
): Promise<{ workers: Worker[]; close: () => Promise<void> }> {
  const prefix = ctx.config.redisPrefix
  const connection: ConnectionOptions = new Redis(url, { maxRetriesPerRequest: null })
  const workers = queueNames.map((name) => {
    const worker = new Worker<QueuedJob>(
      name,
      async (job) => {
        try {
          // The job's progress outlives a killed worker and a failed attempt: a long job
          // resumes from it.
          await runJob(ctx, job.name, job.data.payload, {
            saved: job.progress,
            save: (value) => job.updateProgress(value),
          })
        } catch (error) {
          // BullMQ's own signal for "no more attempts".
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message)
          throw error
        }
        if (job.data.outboxId !== undefined) await finishOutbox(ctx.db, job.data.outboxId, 'done')
      },
      {
        connection,
        prefix,
        // Videos are CPU-bound (ffmpeg): one at a time, so they never starve the social queue.
        concurrency: name === 'media' ? 1 : (options.concurrency ?? 4),
        // A worker that dies holding a job loses it after this long; another one takes it up.
        lockDuration: ctx.config.jobLockSeconds * 1000,
        stalledInterval: ctx.config.jobLockSeconds * 1000,
        maxStalledCount: 3,
      },
    )
    worker.on('failed', (job, error) => {
      if (!job) return
      const last =
        job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError
      if (!last) {
        ctx.log.warn(
          { job: job.name, id: job.id, attempt: job.attemptsMade, err: error },
          'job failed, will retry',
        )
        return
      }
      if (job.data.outboxId !== undefined) {
        finishOutbox(ctx.db, job.data.outboxId, 'dead', error.message).catch(() => {})
      }
      ctx.log.error({ job: job.name, id: job.id, err: error }, 'job failed for the last time')
      reportError(error, {
        job: { queue: name, name: job.name, id: String(job.id), attempts: job.attemptsMade },
      })
    })
    worker.on('error', (error) => ctx.log.warn({ err: error, queue: name }, 'worker error'))
    return worker
  })
  const registerSchedules = async () => {
    // Each on its job's queue: the renditions backfill runs on the media queue's one slot.
    for (const { job, everySeconds } of schedules) {
      const queue = new Queue(queueOf[job], { connection, prefix })
      await queue.upsertJobScheduler(
        job,
        { every: everySeconds * 1000 },
        { name: job, data: { payload: {} } },
      )
      await queue.close()
    }
  }
  await registerSchedules()
  // A Redis that comes back empty has forgotten the schedules: register them on every reconnect
  // (upserting is harmless when they are still there).
  ;(connection as Redis).on('ready', () => {
    registerSchedules().catch((error: unknown) =>
      ctx.log.warn({ err: error }, 'could not register the scheduled jobs'),
    )
  })
  return {
    workers,
    close: async () => {
      // Finishes jobs in hand; jobs not finished are taken up again by the next worker.
      await Promise.all(workers.map((w) => w.close()))
      ;(connection as Redis).disconnect()
    },
  }
}
