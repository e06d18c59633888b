// The operator learns of a stuck queue before the users do. Every web node checks, on a timer,
// the age of the oldest waiting job of each queue and of the oldest outbox row not yet done;
// past QUEUE_ALARM_SECONDS that is an alarm: an error in the log and an error report. It runs
// in the web process because the worker is what may have stopped.
//
// Every node keeps its own alarm state (for its pages), but a new alarm is reported by the one
// node that claims it in Redis first (SET NX with a TTL): one report per alarm for the whole
// site, repeated after REMIND_SECONDS while it lasts. Without Redis (embedded) there is one node.
import type { Database } from '../db/database.js'
import type { JobRuntime } from '../jobs/runtime.js'
import { reportAlarm } from '../observability/error-reports.js'
import { outboxHealth } from '../repositories/outbox.js'
import { timed } from './timed-check.js'

const REMIND_SECONDS = 3600

export interface Alarm {
  key: string
  message: string
  ageSeconds: number
  since: string
}

export interface AlarmState {
  thresholdSeconds: number
  checkedAt: string | undefined
  alarms: Alarm[]
  /** Why the last check could not see everything (Redis away...). */
  errors: string[]
}

interface AlarmLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

type Source = Pick<JobRuntime, 'queueHealth' | 'claimOnce' | 'releaseClaim'>

export class QueueWatch {
  private readonly active = new Map<string, Alarm & { reportedAt: number }>()
  private checkedAt: string | undefined
  private errors: string[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly db: Database,
    private readonly jobs: Source,
    private readonly thresholdSeconds: number,
    private readonly log: AlarmLog,
  ) {}

  /** Checks four times per threshold (at most every 30 s), so an alarm is at most a quarter late. */
  start(): void {
    const intervalMs = Math.min(30_000, Math.max(250, (this.thresholdSeconds * 1000) / 4))
    this.timer = setInterval(() => {
      this.running ??= this.check()
        .catch((error: unknown) => this.log.warn({ err: error }, 'queue check failed'))
        .finally(() => {
          this.running = undefined
        })
    }, intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  state(): AlarmState {
    return {
      thresholdSeconds: this.thresholdSeconds,
      checkedAt: this.checkedAt,
      alarms: [...this.active.values()].map(({ reportedAt: _, ...alarm }) => alarm),
      errors: this.errors,
    }
  }

  /** One look at the queues and the outbox; raises new alarms and clears ended ones. */
  async check(): Promise<void> {
    const [queues, outbox] = await Promise.all([
      timed(() => this.jobs.queueHealth()),
      timed(() => outboxHealth(this.db)),
    ])
    const found: Array<Omit<Alarm, 'since'>> = []
    for (const [name, queue] of Object.entries(queues.details ?? {})) {
      if (queue.oldestWaitingSeconds > this.thresholdSeconds) {
        found.push({
          key: `queue:${name}`,
          ageSeconds: queue.oldestWaitingSeconds,
          message: `Queue ${name} is stuck: its oldest waiting job is ${queue.oldestWaitingSeconds} s old (alarm at ${this.thresholdSeconds} s), ${queue.waiting} waiting. Are the workers running?`,
        })
      }
    }
    const rows = outbox.details
    if (rows && rows.oldestWaitingSeconds > this.thresholdSeconds) {
      found.push({
        key: 'outbox',
        ageSeconds: rows.oldestWaitingSeconds,
        message: `The outbox is not draining: its oldest unfinished row is ${rows.oldestWaitingSeconds} s old (alarm at ${this.thresholdSeconds} s), ${rows.pending} pending, ${rows.relayed} with the queue.`,
      })
    }
    this.errors = [
      ...(queues.ok ? [] : [`queues: ${queues.error}`]),
      ...(outbox.ok ? [] : [`outbox: ${outbox.error}`]),
    ]
    this.checkedAt = new Date().toISOString()

    const now = Date.now()
    for (const alarm of found) {
      const known = this.active.get(alarm.key)
      if (known) {
        Object.assign(known, { message: alarm.message, ageSeconds: alarm.ageSeconds })
        if (now - known.reportedAt >= REMIND_SECONDS * 1000) await this.raise(known, now)
        continue
      }
      const since = new Date(now - alarm.ageSeconds * 1000).toISOString()
      const fresh = { ...alarm, since, reportedAt: now }
      this.active.set(alarm.key, fresh)
      await this.raise(fresh, now)
    }
    for (const [key, alarm] of this.active) {
      if (found.some((f) => f.key === key)) continue
      this.active.delete(key)
      await this.jobs.releaseClaim(`alarm:${key}`)
      this.log.info({ alarm: key, since: alarm.since }, 'queue alarm cleared')
    }
  }

  private async raise(alarm: Alarm & { reportedAt: number }, now: number): Promise<void> {
    alarm.reportedAt = now
    const { reportedAt: _, ...facts } = alarm
    if (await this.jobs.claimOnce(`alarm:${alarm.key}`, REMIND_SECONDS)) {
      this.log.error({ alarm: facts }, alarm.message)
      reportAlarm(alarm.key, alarm.message, { ...facts, thresholdSeconds: this.thresholdSeconds })
    } else {
      this.log.warn({ alarm: facts }, `${alarm.message} (reported by another node)`)
    }
  }
}
