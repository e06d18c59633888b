// Moves outbox rows to whoever runs them: the job queue in production, or straight to the
// handlers in this process (embedded). Rows are claimed atomically, so any number of
// processes may relay at once; a row that cannot be handed over stays in the outbox and is
// tried again, so a missing queue never loses work.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { reportError } from '../observability/error-reports.js'
import {
  claimReadyOutbox,
  finishOutbox,
  moveOutbox,
  type OutboxRow,
  readyOutbox,
  releaseOutbox,
  staleRelayedOutbox,
} from '../repositories/outbox.js'
import type { JobLog } from './job-context.js'
import { type JobName, queueOf } from './job-names.js'
import { backoffSeconds, MAX_ATTEMPTS, PermanentJobError } from './retry.js'

/** Rows read per query of a pass. */
const PASS_ROWS = 50

/**
 * Where claimed rows go: a runner does their jobs in this process (embedded), a queue hand-off
 * gives them to the workers. Either throws when it could not take them (they go back to wait).
 */
export type Dispatcher = JobRunner | QueueHandoff

interface DispatcherBase {
  readonly name: string
  /**
   * What became of a relayed row's job: still held (waiting, delayed or running), finished
   * (its outcome never reached the row), or lost (nobody has it).
   */
  fate(row: OutboxRow): Promise<JobFate>
}

export interface JobRunner extends DispatcherBase {
  readonly runsJobs: true
  run(row: OutboxRow): Promise<void>
}

export interface QueueHandoff extends DispatcherBase {
  readonly runsJobs: false
  /** A pass's rows, in one round trip. */
  handOver(rows: readonly OutboxRow[]): Promise<void>
}

export type JobFate =
  | { state: 'held' }
  | { state: 'lost' }
  | { state: 'completed' }
  | { state: 'failed'; reason: string }

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined
  private recheckTimer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  /**
   * Embedded: media jobs (AVIF renditions, videos) run one at a time beside the others, as the
   * worker's media queue does, so a photo's seconds of encoding never hold up a mail or a like.
   */
  private media: Promise<void> = Promise.resolve()
  /** Media rows waiting in that line: held, not lost, whatever their age. */
  private readonly mediaWaiting = new Set<number>()
  private again = false
  private stopped = false

  constructor(
    private readonly db: Database,
    private readonly dispatcher: Dispatcher,
    private readonly log: JobLog,
    private readonly intervalMs = 1000,
    private readonly recheckSeconds = 60,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs)
    this.timer.unref()
    this.recheckTimer = setInterval(() => {
      this.recoverLost().catch((error: unknown) =>
        this.log.warn({ err: error }, 'outbox recheck failed'),
      )
    }, this.recheckSeconds * 1000)
    this.recheckTimer.unref()
    this.kick()
  }

  /**
   * Rows handed over a while ago and not finished. A job nobody holds any more (Redis restarted
   * empty, a process or the database lost mid-job) goes back to pending, so the work is done
   * after all; a job that finished without its outcome reaching the row (the database or Redis
   * away at that moment) has the outcome written now. Returns how many rows moved.
   */
  async recoverLost(): Promise<number> {
    let recovered = 0
    let finished = 0
    for (const row of await staleRelayedOutbox(this.db, this.recheckSeconds, 500)) {
      if (this.stopped) break
      if (this.mediaWaiting.has(row.id)) continue
      const fate = await this.dispatcher.fate(row)
      if (fate.state === 'lost') {
        if (await moveOutbox(this.db, row.id, 'relayed', 'pending', { availableInSeconds: 0 }))
          recovered++
      } else if (fate.state === 'completed') {
        if (await finishOutbox(this.db, row.id, 'done')) finished++
      } else if (fate.state === 'failed') {
        if (await finishOutbox(this.db, row.id, 'dead', fate.reason)) finished++
      }
    }
    if (finished > 0) this.log.warn({ finished }, 'outbox rows whose jobs had finished were marked')
    if (recovered > 0) {
      this.log.warn({ recovered }, 'outbox rows the queue had lost were sent again')
      this.kick()
    }
    return recovered + finished
  }

  /** Asks for a pass soon; passes never overlap, and a kick during one causes another. */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.pass()
      .catch((error: unknown) => this.log.warn({ err: error }, 'outbox relay pass failed'))
      .finally(() => {
        this.running = undefined
        if (this.again && !this.stopped) {
          this.again = false
          this.kick()
        }
      })
  }

  /** Runs passes until nothing is ready (tests, and shutdown of an embedded site). */
  async drain(maxPasses = 50): Promise<void> {
    for (let i = 0; i < maxPasses; i++) {
      await this.running
      const ready = await readyOutbox(this.db, 1)
      if (ready.length === 0 && !this.running) return
      this.kick()
      await this.running
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    if (this.recheckTimer) clearInterval(this.recheckTimer)
    await this.running
    await this.media
  }

  private async pass(): Promise<void> {
    for (;;) {
      if (this.stopped) return
      // A pass's rows are claimed together: two statements and, for the queue, one round trip,
      // however many actions wrote them.
      const rows = await inTransaction(this.db, (trx) => claimReadyOutbox(trx, PASS_ROWS))
      if (rows.length === 0) return
      if (this.dispatcher.runsJobs) await this.runHere(this.dispatcher, rows)
      else {
        try {
          await this.dispatcher.handOver(rows)
        } catch (error) {
          // The queue is away: the rows wait for a later pass, their attempts untouched.
          await releaseOutbox(
            this.db,
            rows.map((r) => r.id),
            { availableInSeconds: 2, error: errorMessage(error) },
          )
          this.log.warn(
            { outboxIds: rows.map((r) => r.id), err: error, dispatcher: this.dispatcher.name },
            'the queue refused outbox rows; they wait for the next pass',
          )
          return
        }
        // A short read was everything ready: rows written since came with a kick of their own
        // (which sets `again`), and rows that become ready later wait for the timer.
        if (rows.length < PASS_ROWS) return
      }
      // Jobs run here may have written rows of their own, without a kick: read again at once.
    }
  }

  /**
   * Embedded: each claimed row's job, one after the other (media jobs in their own line); a
   * stop gives the rest back.
   */
  private async runHere(runner: JobRunner, rows: readonly OutboxRow[]): Promise<void> {
    for (const [i, row] of rows.entries()) {
      if (this.stopped) {
        await releaseOutbox(
          this.db,
          rows.slice(i).map((r) => r.id),
          { availableInSeconds: 0 },
        )
        return
      }
      if (queueOf[row.job as JobName] === 'media') {
        this.mediaWaiting.add(row.id)
        this.media = this.media
          .then(() =>
            this.stopped
              ? releaseOutbox(this.db, [row.id], { availableInSeconds: 0 }).then(() => {})
              : this.runOne(runner, row),
          )
          .catch((error: unknown) => {
            // The database went away around the job: the recheck finds the row again.
            this.log.warn({ outboxId: row.id, err: error }, 'could not record a media job')
          })
          .finally(() => this.mediaWaiting.delete(row.id))
        continue
      }
      await this.runOne(runner, row)
    }
  }

  private async runOne(runner: JobRunner, row: OutboxRow): Promise<void> {
    try {
      await runner.run(row)
      await moveOutbox(this.db, row.id, 'relayed', 'done', { error: null })
    } catch (error) {
      await this.handBack(row, error)
    }
  }

  /** A job run here failed: it waits to be tried again, or is dead after its last attempt. */
  private async handBack(row: OutboxRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1
    const message = errorMessage(error)
    if (attempts >= MAX_ATTEMPTS || error instanceof PermanentJobError) {
      await moveOutbox(this.db, row.id, 'relayed', 'dead', { attempts, error: message })
      this.log.error({ outboxId: row.id, job: row.job, err: error }, 'job failed for the last time')
      const queue = queueOf[row.job as JobName] ?? 'unknown'
      reportError(error, { job: { queue, name: row.job, id: `outbox-${row.id}`, attempts } })
      return
    }
    await moveOutbox(this.db, row.id, 'relayed', 'pending', {
      attempts,
      availableInSeconds: backoffSeconds(attempts),
      error: message,
    })
    this.log.warn(
      { outboxId: row.id, job: row.job, err: error, dispatcher: this.dispatcher.name },
      'job handed back',
    )
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
