// Embedded mode's runner: outbox rows are run right here, and scheduled jobs on timers.

import { reportError } from '../observability/error-reports.js'
import type { OutboxRow } from '../repositories/outbox.js'
import { runJob, schedules } from './definitions.js'
import type { JobContext } from './job-context.js'
import type { Dispatcher } from './relay.js'

export class InProcessDispatcher implements Dispatcher {
  readonly name = 'in-process'
  readonly runsJobs = true
  constructor(private readonly ctx: JobContext) {}

  dispatch(row: OutboxRow): Promise<void> {
    return runJob(this.ctx, row.job, row.payload)
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
