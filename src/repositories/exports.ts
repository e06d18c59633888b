// SQL for data exports (data_export): a user's request, then the archive's private storage key
// once a job has built it, until it expires.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB, ExportStatus } from '../db/schema.js'

export interface DataExport {
  id: number
  userId: number
  status: ExportStatus
  storageKey: string | null
  size: number
  createdAt: Date
  expiresAt: Date | null
}

type Row = {
  id: number
  user_id: number
  status: ExportStatus
  storage_key: string | null
  size: number | string
  created_at: string
  expires_at: string | null
}

function toExport(row: Row): DataExport {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    storageKey: row.storage_key,
    size: Number(row.size),
    createdAt: fromDbDateTime(row.created_at),
    expiresAt: row.expires_at ? fromDbDateTime(row.expires_at) : null,
  }
}

/** A pending request; it expires too, so that one whose job died is swept in the end. */
export async function insertExport(
  db: Kysely<DB>,
  userId: number,
  ttlSeconds: number,
): Promise<number> {
  const result = await db
    .insertInto('data_export')
    .values({
      user_id: userId,
      status: 'pending',
      created_at: dbNow(),
      expires_at: dbNow(ttlSeconds),
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

export async function findExport(db: Kysely<DB>, id: number): Promise<DataExport | undefined> {
  const row = await db.selectFrom('data_export').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toExport(row)
}

/** The user's exports not yet expired, newest first. */
export async function liveExportsOf(db: Kysely<DB>, userId: number): Promise<DataExport[]> {
  const rows = await db
    .selectFrom('data_export')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', dbNow())
    .orderBy('id', 'desc')
    .limit(10)
    .execute()
  return rows.map(toExport)
}

export async function markExportReady(
  db: Kysely<DB>,
  id: number,
  values: { storageKey: string; size: number; ttlSeconds: number },
): Promise<void> {
  await db
    .updateTable('data_export')
    .set({
      status: 'ready',
      storage_key: values.storageKey,
      size: values.size,
      expires_at: dbNow(values.ttlSeconds),
    })
    .where('id', '=', id)
    .execute()
}

/** Exports whose time is up, with the keys of their archives. */
export async function expiredExports(db: Kysely<DB>, limit = 500): Promise<DataExport[]> {
  const rows = await db
    .selectFrom('data_export')
    .selectAll()
    .where('expires_at', '<=', dbNow())
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toExport)
}

export async function deleteExports(db: Kysely<DB>, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return
  await db.deleteFrom('data_export').where('id', 'in', ids).execute()
}
