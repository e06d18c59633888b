// Embedded mode's runner: outbox rows are run right here, and scheduled jobs on timers.

import { reportError } from '../observability/error-reports.js'
import type { OutboxRow } from '../repositories/outbox.js'
import { runJob, schedules } from './definitions.js'
import type { JobContext } from './job-context.js'
import type { JobFate, JobRunner } from './relay.js'

export class InProcessDispatcher implements JobRunner {
  readonly name = 'in-process'
  readonly runsJobs = true as const
  private readonly inHand = new Set<number>()
  constructor(private readonly ctx: JobContext) {}

  async run(row: OutboxRow): Promise<void> {
    this.inHand.add(row.id)
    try {
      await runJob(this.ctx, row.job, row.payload)
    } finally {
      this.inHand.delete(row.id)
    }
  }

  /**
   * A relayed row this process is not running was left behind: its process died, or the
   * database went away before the row could be marked done. Handlers are idempotent, so it
   * is run again (a job of another live process running for longer would run twice).
   */
  async fate(row: OutboxRow): Promise<JobFate> {
    return { state: this.inHand.has(row.id) ? 'held' : 'lost' }
  }
}

/** Runs the scheduled jobs on timers; returns what stops them. */
export function startTimers(ctx: JobContext): () => void {
  const timers = schedules.map(({ job, everySeconds }) => {
    const timer = setInterval(() => {
      runJob(ctx, job, {}).catch((error: unknown) => {
        // A scheduled job has one attempt; the next tick is its retry.
        ctx.log.error({ err: error, job }, 'scheduled job failed')
        reportError(error, { job: { queue: 'maintenance', name: job, id: 'timer', attempts: 1 } })
      })
    }, everySeconds * 1000)
    timer.unref()
    return timer
  })
  return () => {
    for (const timer of timers) clearInterval(timer)
  }
}
