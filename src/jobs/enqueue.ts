import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { insertOutbox } from '../repositories/outbox.js'
import type { JobName, JobPayloads } from './job-names.js'

/** Writes follow-up work into the outbox; call it inside the action's own transaction. */
export function enqueue<J extends JobName>(
  db: Kysely<DB>,
  job: J,
  payload: JobPayloads[J],
): Promise<number> {
  return insertOutbox(db, job, payload)
}
