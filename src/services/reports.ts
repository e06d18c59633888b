// Reports: any signed-in member may point moderators at a post, a comment or a person, once
// per target while the report is open; moderators resolve (acted on) or dismiss each.
import type { Database } from '../db/database.js'
import type { ReportStatus, ReportTargetType } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import { findComment } from '../repositories/comments.js'
import { insertLogEntry } from '../repositories/moderation-log.js'
import { findPost } from '../repositories/posts.js'
import {
  countOpenReports,
  insertReport,
  listReports,
  type Report,
  settleReport,
} from '../repositories/reports.js'
import { findUserByName, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { checkedModeratorNote, checkedReport, reasonLabel } from './moderation-rules.js'
import { assertRole } from './roles.js'
import { idFromShareKey, shareKey } from './share-keys.js'

export interface ReportView extends Report {
  reasonLabel: string
  /** Where the reported thing is (or was) on the site. */
  targetUrl: string
  targetLabel: string
}

const QUEUE_LIMIT = 100

export class ReportService {
  constructor(private readonly db: Database) {}

  /** Files a report. Returns false when the reporter already has one open on that target. */
  async report(
    reporter: User,
    type: string,
    target: string,
    input: { reason: string; note: string },
  ): Promise<boolean> {
    const { targetType, targetId, targetUserId } = await this.resolveTarget(type, target)
    if (targetUserId === reporter.id)
      throw new ServiceError(400, 'You cannot report yourself or what you wrote.')
    const fields = checkedReport(input)
    return insertReport(this.db, {
      reporterId: reporter.id,
      targetType,
      targetId,
      targetUserId,
      ...fields,
    })
  }

  async queue(moderator: User, status: string): Promise<{ reports: ReportView[]; open: number }> {
    assertRole(moderator, 'moderator')
    const wanted = toStatus(status)
    const reports = await listReports(this.db, { status: wanted, limit: QUEUE_LIMIT })
    return { reports: reports.map(toView), open: await countOpenReports(this.db) }
  }

  async against(moderator: User, userId: number): Promise<ReportView[]> {
    assertRole(moderator, 'moderator')
    return (await listReports(this.db, { targetUserId: userId, limit: QUEUE_LIMIT })).map(toView)
  }

  async settle(moderator: User, id: string, action: string, noteInput: string): Promise<void> {
    assertRole(moderator, 'moderator')
    const status = action === 'resolve' ? 'resolved' : action === 'dismiss' ? 'dismissed' : null
    if (!status || !/^\d{1,10}$/.test(id)) throw new ServiceError(404, 'There is no such report.')
    const note = checkedModeratorNote(noteInput, { required: false })
    const settled = await inTransaction(this.db, async (trx) => {
      const targetUserId = await settleReport(trx, Number(id), {
        status,
        moderatorId: moderator.id,
        note,
      })
      if (targetUserId === undefined) return false
      await insertLogEntry(trx, {
        moderatorId: moderator.id,
        action: status === 'resolved' ? 'resolve_report' : 'dismiss_report',
        targetUserId,
        reportId: Number(id),
        note,
      })
      return true
    })
    if (!settled) throw new ServiceError(409, 'That report is not open (any more).')
  }

  private async resolveTarget(
    type: string,
    target: string,
  ): Promise<{ targetType: ReportTargetType; targetId: number; targetUserId: number }> {
    if (type === 'post') {
      const id = idFromShareKey(target)
      const post = id === undefined ? undefined : await findPost(this.db, id)
      if (post) return { targetType: 'post', targetId: post.id, targetUserId: post.userId }
      throw new ServiceError(404, 'There is no such post. It may have been deleted.')
    }
    if (type === 'comment') {
      const comment = /^\d{1,10}$/.test(target)
        ? await findComment(this.db, Number(target))
        : undefined
      if (comment)
        return { targetType: 'comment', targetId: comment.id, targetUserId: comment.userId }
      throw new ServiceError(404, 'There is no such comment. It may have been deleted.')
    }
    if (type === 'user') {
      const user = target.length <= 64 ? await findUserByName(this.db, target) : undefined
      if (user) return { targetType: 'user', targetId: user.id, targetUserId: user.id }
      throw new ServiceError(404, 'There is no such person.')
    }
    throw new ServiceError(404, 'That cannot be reported.')
  }
}

function toStatus(value: string): ReportStatus {
  return value === 'resolved' || value === 'dismissed' ? value : 'open'
}

function toView(report: Report): ReportView {
  const where =
    report.targetType === 'post'
      ? { targetUrl: `/p/${shareKey(report.targetId)}`, targetLabel: 'post' }
      : report.targetType === 'comment'
        ? {
            targetUrl: report.commentPostId
              ? `/p/${shareKey(report.commentPostId)}#comment-${report.targetId}`
              : '',
            targetLabel: 'comment',
          }
        : { targetUrl: `/admin/users/${report.targetUserName}`, targetLabel: 'account' }
  return { ...report, reasonLabel: reasonLabel(report.reason), ...where }
}
