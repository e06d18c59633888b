// SQL for the outbox: follow-up work written in the same transaction as the user's action.
import { type Kysely, sql } from 'kysely'
import { dbNow, lockedSkippingOthers } from '../db/dialect.js'
import type { DB, OutboxStatus } from '../db/schema.js'

export interface OutboxRow {
  id: number
  job: string
  payload: unknown
  attempts: number
}

function toOutboxRow(r: { id: number; job: string; payload: string; attempts: number }): OutboxRow {
  return { id: r.id, job: r.job, payload: JSON.parse(r.payload), attempts: r.attempts }
}

export async function insertOutbox(db: Kysely<DB>, job: string, payload: unknown): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('outbox')
    .values({
      job,
      payload: JSON.stringify(payload),
      status: 'pending',
      available_at: now,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

/** Several rows in one statement (one round trip for an action with more than one follow-up). */
export async function insertOutboxRows(
  db: Kysely<DB>,
  rows: ReadonlyArray<{ job: string; payload: unknown }>,
): Promise<void> {
  if (rows.length === 0) return
  const now = dbNow()
  await db
    .insertInto('outbox')
    .values(
      rows.map((row) => ({
        job: row.job,
        payload: JSON.stringify(row.payload),
        status: 'pending' as const,
        available_at: now,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute()
}

function readyRows(db: Kysely<DB>, limit: number) {
  return db
    .selectFrom('outbox')
    .select(['id', 'job', 'payload', 'attempts'])
    .where('status', '=', 'pending')
    .where('available_at', '<=', dbNow())
    .orderBy('id')
    .limit(limit)
}

/** Rows ready to go, oldest first (a look only: claimReadyOutbox takes them). */
export async function readyOutbox(db: Kysely<DB>, limit: number): Promise<OutboxRow[]> {
  return (await readyRows(db, limit).execute()).map(toOutboxRow)
}

/**
 * Takes up to `limit` ready rows for this relayer (pending → relayed), oldest first, in two
 * statements whatever their number. Call it in a transaction: rows another relayer is taking at
 * the same moment are skipped (MySQL) or make the transaction start again (SQLite).
 */
export async function claimReadyOutbox(db: Kysely<DB>, limit: number): Promise<OutboxRow[]> {
  const rows = await lockedSkippingOthers(db, readyRows(db, limit)).execute()
  if (rows.length === 0) return []
  const claimed = await db
    .updateTable('outbox')
    .set({ status: 'relayed', updated_at: dbNow() })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .where('status', '=', 'pending')
    .executeTakeFirst()
  // The rows are locked (or the snapshot current): anything else is a bug, never a double run.
  if (Number(claimed.numUpdatedRows) !== rows.length)
    throw new Error(`claimed ${claimed.numUpdatedRows} of ${rows.length} locked outbox rows`)
  return rows.map(toOutboxRow)
}

/** Gives claimed rows back (the queue refused them, or the relay stopped before running them). */
export async function releaseOutbox(
  db: Kysely<DB>,
  ids: readonly number[],
  changes: { availableInSeconds: number; error?: string },
): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('outbox')
    .set({
      status: 'pending',
      updated_at: dbNow(),
      available_at: dbNow(changes.availableInSeconds),
      ...(changes.error !== undefined ? { last_error: changes.error.slice(0, 2000) } : {}),
    })
    .where('id', 'in', ids)
    .where('status', '=', 'relayed')
    .execute()
}

/** Rows handed to the queue at least this long ago and not finished, oldest first. */
export async function staleRelayedOutbox(
  db: Kysely<DB>,
  olderThanSeconds: number,
  limit: number,
): Promise<OutboxRow[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'job', 'payload', 'attempts'])
    .where('status', '=', 'relayed')
    .where('updated_at', '<', dbNow(-olderThanSeconds))
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toOutboxRow)
}

/** Moves a row from one status to another; false when another process got there first. */
export async function moveOutbox(
  db: Kysely<DB>,
  id: number,
  from: OutboxStatus,
  to: OutboxStatus,
  changes: { attempts?: number; availableInSeconds?: number; error?: string | null } = {},
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({
      status: to,
      updated_at: dbNow(),
      ...(changes.attempts !== undefined ? { attempts: changes.attempts } : {}),
      ...(changes.availableInSeconds !== undefined
        ? { available_at: dbNow(changes.availableInSeconds) }
        : {}),
      ...(changes.error !== undefined ? { last_error: changes.error?.slice(0, 2000) ?? null } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Records that a row's job finished, whatever the relay last thought of the row: a queue add
 * whose answer was lost sends the row back to pending although the job is in the queue and
 * runs, and the row must not wait for a job that already ran.
 */
export async function finishOutbox(
  db: Kysely<DB>,
  id: number,
  outcome: 'done' | 'dead',
  error: string | null = null,
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: outcome, updated_at: dbNow(), last_error: error?.slice(0, 2000) ?? null })
    .where('id', '=', id)
    .where(
      'status',
      'in',
      outcome === 'done' ? ['pending', 'relayed', 'dead'] : ['pending', 'relayed'],
    )
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Rows handed to the queue long ago and never finished (a lost job): back to pending. */
export async function requeueStaleRelayed(
  db: Kysely<DB>,
  olderThanSeconds: number,
): Promise<number> {
  const result = await db
    .updateTable('outbox')
    // A new attempt number gives the job a new queue id, so a stale copy cannot shadow it.
    .set({ status: 'pending', attempts: sql`attempts + 1`, updated_at: dbNow() })
    .where('status', '=', 'relayed')
    .where('updated_at', '<', dbNow(-olderThanSeconds))
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function deleteFinishedOutbox(
  db: Kysely<DB>,
  olderThanSeconds: number,
): Promise<number> {
  const result = await db
    .deleteFrom('outbox')
    .where('status', '=', 'done')
    .where('updated_at', '<', dbNow(-olderThanSeconds))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export interface OutboxHealth {
  pending: number
  relayed: number
  dead: number
  /** Age in seconds of the oldest row not yet done, or 0. */
  oldestWaitingSeconds: number
}

export async function outboxHealth(db: Kysely<DB>): Promise<OutboxHealth> {
  const rows = await db
    .selectFrom('outbox')
    .select((eb) => [
      'status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('created_at').as('oldest'),
    ])
    .where('status', 'in', ['pending', 'relayed', 'dead'])
    .groupBy('status')
    .execute()
  const health: OutboxHealth = { pending: 0, relayed: 0, dead: 0, oldestWaitingSeconds: 0 }
  for (const row of rows) {
    health[row.status as 'pending' | 'relayed' | 'dead'] = Number(row.n)
    if (row.status !== 'dead' && row.oldest) {
      const age =
        (Date.now() - new Date(`${String(row.oldest).replace(' ', 'T')}Z`).getTime()) / 1000
      health.oldestWaitingSeconds = Math.max(health.oldestWaitingSeconds, Math.round(age))
    }
  }
  return health
}

export interface DeadRow {
  id: number
  job: string
  attempts: number
  lastError: string | null
  updatedAt: string
}

/** Work that failed for the last time, newest first. */
export async function deadOutbox(db: Kysely<DB>, limit = 50): Promise<DeadRow[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'job', 'attempts', 'last_error', 'updated_at'])
    .where('status', '=', 'dead')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    job: r.job,
    attempts: r.attempts,
    lastError: r.last_error,
    updatedAt: r.updated_at,
  }))
}

/** Gives a dead row another round of attempts, or removes it. */
export async function settleDead(
  db: Kysely<DB>,
  id: number,
  action: 'retry' | 'discard',
): Promise<boolean> {
  if (action === 'retry')
    return moveOutbox(db, id, 'dead', 'pending', { attempts: 0, availableInSeconds: 0 })
  const result = await db
    .deleteFrom('outbox')
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
