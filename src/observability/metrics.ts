// The numbers a process shows Prometheus. One registry per process (tests build several apps in
// one process, so nothing here is global), holding instruments with bounded label sets only:
// a route pattern, never a URL; a queue or job name from the fixed lists; a status class.
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  Registry,
} from 'prom-client'
import { type JobName, type QueueName, queueNames, queueOf } from '../jobs/job-names.js'

/** Seconds: from a cached page (a few ms) to a slow upload. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Seconds: images take from tens of milliseconds to a minute for a large animation. */
const mediaBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]

export type JobOutcome = 'completed' | 'failed'

/** A thing whose duration is observed: call it when the work ends, with the labels known then. */
export type StopTimer<L extends string> = (labels?: Partial<Record<L, string>>) => void

export class Metrics {
  readonly registry = new Registry()
  #processMetrics = false

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by route pattern (never the raw URL) and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  })

  readonly jobs = new Counter({
    name: 'mlkshk_jobs_total',
    help: 'Job runs by queue and outcome (failed: this attempt failed; it may be retried)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  })

  readonly jobDuration = new Histogram({
    name: 'mlkshk_job_duration_seconds',
    help: 'Time a job took to run, by queue and job (make-video is the image job)',
    labelNames: ['queue', 'job'] as const,
    buckets: mediaBuckets,
    registers: [this.registry],
  })

  readonly uploadDuration = new Histogram({
    name: 'mlkshk_upload_duration_seconds',
    help: 'Time from a received upload to its post (checks, rendering, storing), by outcome',
    labelNames: ['outcome'] as const,
    buckets: mediaBuckets,
    registers: [this.registry],
  })

  readonly imageRenderDuration = new Histogram({
    name: 'mlkshk_image_render_seconds',
    help: 'Time to decode an uploaded image and write its renditions, by source format',
    labelNames: ['format'] as const,
    buckets: mediaBuckets,
    registers: [this.registry],
  })

  readonly sessionDropsUnconfirmed = new Counter({
    name: 'mlkshk_session_drops_unconfirmed_total',
    help: 'Session or account changes answered before every node was known to have dropped its copies (a node that did not confirm within a second, or Redis away)',
    registers: [this.registry],
  })

  constructor(readonly role: 'web' | 'worker') {
    this.registry.setDefaultLabels({ role })
    // Every series exists from the start, so rate() and alerts see 0 rather than nothing.
    for (const queue of queueNames)
      for (const outcome of ['completed', 'failed'] as const) this.jobs.inc({ queue, outcome }, 0)
  }

  /** Process and Node metrics (memory, CPU, event-loop lag...), for a process that is scraped. */
  collectProcessMetrics(): this {
    // Once per registry: prom-client refuses to register the same metric twice.
    if (!this.#processMetrics) collectDefaultMetrics({ register: this.registry })
    this.#processMetrics = true
    return this
  }

  /** A gauge whose value is read when Prometheus scrapes. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (set: (labels: LabelValues<L>, value: number) => void) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset()
        await collect((labels, value) => this.set(labels, value))
      },
    })
  }

  /** Runs one job and counts it: both runners (in-process and BullMQ) go through here. */
  async timeJob<T>(job: string, run: () => Promise<T>): Promise<T> {
    const known = Object.hasOwn(queueOf, job)
    const queue: QueueName = known ? queueOf[job as JobName] : 'maintenance'
    const stop = this.jobDuration.startTimer({ queue, job: known ? job : 'unknown' })
    try {
      const result = await run()
      this.jobs.inc({ queue, outcome: 'completed' })
      return result
    } catch (error) {
      this.jobs.inc({ queue, outcome: 'failed' })
      throw error
    } finally {
      stop()
    }
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
