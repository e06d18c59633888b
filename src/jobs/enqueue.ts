import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { insertOutbox, insertOutboxRows } from '../repositories/outbox.js'
import type { JobName, JobPayloads } from './job-names.js'

/** Writes follow-up work into the outbox; call it inside the action's own transaction. */
export function enqueue<J extends JobName>(
  db: Kysely<DB>,
  job: J,
  payload: JobPayloads[J],
): Promise<number> {
  return insertOutbox(db, job, payload)
}

/** A job and its payload, checked against each other. */
export type QueuedWork = { [J in JobName]: { job: J; payload: JobPayloads[J] } }[JobName]

/** Several follow-ups of one action in one statement; call it inside the action's transaction. */
export function enqueueAll(db: Kysely<DB>, work: readonly QueuedWork[]): Promise<void> {
  return insertOutboxRows(db, work)
}
