// SQL for moderation_log: who did what to whom, when and why.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB, ModerationAction } from '../db/schema.js'

export interface NewLogEntry {
  moderatorId: number
  action: ModerationAction
  targetUserId?: number | null
  sourcefileId?: number | null
  shakeId?: number | null
  reportId?: number | null
  detail?: string
  note?: string
}

export interface LogEntry {
  id: number
  moderatorName: string
  action: ModerationAction
  targetUserName: string | null
  sourcefileId: number | null
  shakeName: string | null
  reportId: number | null
  detail: string
  note: string
  createdAt: Date
}

export async function insertLogEntry(db: Kysely<DB>, entry: NewLogEntry): Promise<void> {
  await db
    .insertInto('moderation_log')
    .values({
      moderator_id: entry.moderatorId,
      action: entry.action,
      target_user_id: entry.targetUserId ?? null,
      sourcefile_id: entry.sourcefileId ?? null,
      shake_id: entry.shakeId ?? null,
      report_id: entry.reportId ?? null,
      detail: (entry.detail ?? '').slice(0, 255),
      note: entry.note ?? '',
      created_at: dbNow(),
    })
    .execute()
}

/** Newest first; only about one person when targetUserId is given. */
export async function listLogEntries(
  db: Kysely<DB>,
  options: { beforeId?: number; targetUserId?: number; limit: number },
): Promise<LogEntry[]> {
  let query = db
    .selectFrom('moderation_log as l')
    .innerJoin('user as m', 'm.id', 'l.moderator_id')
    .leftJoin('user as t', 't.id', 'l.target_user_id')
    .leftJoin('shake as k', 'k.id', 'l.shake_id')
    .select([
      'l.id',
      'm.name as moderator_name',
      'l.action',
      't.name as target_user_name',
      'l.sourcefile_id',
      'k.name as shake_name',
      'l.report_id',
      'l.detail',
      'l.note',
      'l.created_at',
    ])
  if (options.beforeId !== undefined) query = query.where('l.id', '<', options.beforeId)
  if (options.targetUserId !== undefined)
    query = query.where('l.target_user_id', '=', options.targetUserId)
  const rows = await query.orderBy('l.id', 'desc').limit(options.limit).execute()
  return rows.map((r) => ({
    id: r.id,
    moderatorName: r.moderator_name,
    action: r.action,
    targetUserName: r.target_user_name,
    sourcefileId: r.sourcefile_id,
    shakeName: r.shake_name,
    reportId: r.report_id,
    detail: r.detail,
    note: r.note,
    createdAt: fromDbDateTime(r.created_at),
  }))
}
