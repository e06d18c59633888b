import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import type { Mailer } from '../mail/mailer.js'
import type { Metrics } from '../observability/metrics.js'
import type { FileStore } from '../storage/file-store.js'

/** The slice of a logger jobs use; pino's loggers fit. */
export interface JobLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

/**
 * What every job handler gets: the database, the file store, the settings, a logger, the
 * mailer, and the process's metrics (where each run is counted and timed).
 */
export interface JobContext {
  db: Database
  store: FileStore
  config: Readonly<Config>
  log: JobLog
  mailer: Mailer
  metrics: Metrics
}

/**
 * Where a long job notes how far it got, so that its next run after a kill or a failure picks
 * up there instead of starting over. BullMQ keeps it as the job's progress; the in-process
 * runner has none (a job cut short there is run again from the start, which handlers allow).
 */
export interface JobCheckpoint {
  /** What the last run saved, or nothing. */
  readonly saved: unknown
  save(value: object): Promise<void>
}
