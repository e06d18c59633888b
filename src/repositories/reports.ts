// SQL for reports: members pointing moderators at a post, a comment or a person.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime, isUniqueViolation } from '../db/dialect.js'
import type { DB, ReportStatus, ReportTargetType } from '../db/schema.js'

export interface NewReport {
  reporterId: number
  targetType: ReportTargetType
  targetId: number
  targetUserId: number
  reason: string
  note: string
}

export interface Report {
  id: number
  reporterName: string
  targetType: ReportTargetType
  targetId: number
  targetUserName: string
  /** The post a comment belongs to, for a link to it. */
  commentPostId: number | null
  reason: string
  note: string
  status: ReportStatus
  settledByName: string | null
  settledNote: string
  settledAt: Date | null
  createdAt: Date
}

/** Inserts an open report; false when the reporter already has one open on that target. */
export async function insertReport(db: Kysely<DB>, report: NewReport): Promise<boolean> {
  try {
    await db
      .insertInto('report')
      .values({
        reporter_id: report.reporterId,
        target_type: report.targetType,
        target_id: report.targetId,
        target_user_id: report.targetUserId,
        reason: report.reason,
        note: report.note,
        is_open: 1,
        created_at: dbNow(),
      })
      .execute()
    return true
  } catch (error) {
    if (isUniqueViolation(error)) return false
    throw error
  }
}

/** Closes an open report. Returns the reported person's id, or undefined if none was open. */
export async function settleReport(
  db: Kysely<DB>,
  id: number,
  settlement: { status: Exclude<ReportStatus, 'open'>; moderatorId: number; note: string },
): Promise<number | undefined> {
  const report = await db
    .selectFrom('report')
    .select('target_user_id')
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst()
  if (!report) return undefined
  const result = await db
    .updateTable('report')
    .set({
      status: settlement.status,
      is_open: null,
      settled_by: settlement.moderatorId,
      settled_note: settlement.note,
      settled_at: dbNow(),
    })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst()
  return result.numUpdatedRows > 0n ? report.target_user_id : undefined
}

/** Open reports oldest first (the queue); settled ones newest first. */
export async function listReports(
  db: Kysely<DB>,
  filter: { status?: ReportStatus; targetUserId?: number; limit: number },
): Promise<Report[]> {
  let query = db
    .selectFrom('report as r')
    .innerJoin('user as reporter', 'reporter.id', 'r.reporter_id')
    .innerJoin('user as target', 'target.id', 'r.target_user_id')
    .leftJoin('user as settler', 'settler.id', 'r.settled_by')
    .leftJoin('comment as c', (join) =>
      join.onRef('c.id', '=', 'r.target_id').on('r.target_type', '=', 'comment'),
    )
    .select([
      'r.id',
      'reporter.name as reporter_name',
      'r.target_type',
      'r.target_id',
      'target.name as target_user_name',
      'c.sharedfile_id as comment_post_id',
      'r.reason',
      'r.note',
      'r.status',
      'settler.name as settled_by_name',
      'r.settled_note',
      'r.settled_at',
      'r.created_at',
    ])
  if (filter.status) query = query.where('r.status', '=', filter.status)
  if (filter.targetUserId !== undefined)
    query = query.where('r.target_user_id', '=', filter.targetUserId)
  const rows = await query
    .orderBy('r.id', filter.status === 'open' ? 'asc' : 'desc')
    .limit(filter.limit)
    .execute()
  return rows.map((r) => ({
    id: r.id,
    reporterName: r.reporter_name,
    targetType: r.target_type,
    targetId: r.target_id,
    targetUserName: r.target_user_name,
    commentPostId: r.comment_post_id,
    reason: r.reason,
    note: r.note,
    status: r.status,
    settledByName: r.settled_by_name,
    settledNote: r.settled_note,
    settledAt: r.settled_at ? fromDbDateTime(r.settled_at) : null,
    createdAt: fromDbDateTime(r.created_at),
  }))
}

export async function countOpenReports(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('report')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
