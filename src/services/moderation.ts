// What moderators see and do about people: the dossier (account facts, posts, comments,
// reports, sessions), marking someone NSFW, roles (admins only), and the moderation log.
import type { Database } from '../db/database.js'
import type { Role } from '../db/schema.js'
import { inTransaction } from '../db/transaction.js'
import {
  type AccountCounts,
  accountCounts,
  type DossierComment,
  recentComments,
  recentPostIds,
  type SessionFacts,
  sessionFacts,
} from '../repositories/dossier.js'
import { insertLogEntry, type LogEntry, listLogEntries } from '../repositories/moderation-log.js'
import { setUserNsfw } from '../repositories/nsfw.js'
import { findPosts, type Post } from '../repositories/posts.js'
import { groupShakesOf, type Shake } from '../repositories/shakes.js'
import { findUserByName, setRole, type User } from '../repositories/users.js'
import type { AccountDeletionService } from './account-deletion.js'
import { ServiceError } from './errors.js'
import { checkedModeratorNote } from './moderation-rules.js'
import type { ReportService, ReportView } from './reports.js'
import { assertRole, isRole } from './roles.js'
import type { UserChanges } from './session-cache.js'

export interface Dossier {
  user: User
  counts: AccountCounts
  sessions: SessionFacts
  posts: Post[]
  comments: DossierComment[]
  reports: ReportView[]
  groupShakes: Shake[]
  log: LogEntry[]
}

const RECENT = 50
const LOG_PAGE = 100

export class ModerationService {
  constructor(
    private readonly db: Database,
    private readonly reports: ReportService,
    private readonly deletion: AccountDeletionService,
    private readonly users: UserChanges,
  ) {}

  async dossier(moderator: User, name: string): Promise<Dossier> {
    assertRole(moderator, 'moderator')
    const user = await this.person(name)
    const [counts, sessions, postIds, comments, reports, groupShakes, log] = await Promise.all([
      accountCounts(this.db, user.id),
      sessionFacts(this.db, user.id),
      recentPostIds(this.db, user.id, RECENT),
      recentComments(this.db, user.id, RECENT),
      this.reports.against(moderator, user.id),
      groupShakesOf(this.db, user.id),
      listLogEntries(this.db, { targetUserId: user.id, limit: RECENT }),
    ])
    const posts = await findPosts(this.db, postIds)
    return { user, counts, sessions, posts, comments, reports, groupShakes, log }
  }

  /** Marks a person NSFW (their posts are covered and kept out of Incoming), or unmarks. */
  async markNsfw(moderator: User, name: string, nsfw: boolean, noteInput: string): Promise<void> {
    assertRole(moderator, 'moderator')
    const note = checkedModeratorNote(noteInput, { required: false })
    const user = await this.person(name)
    await inTransaction(this.db, async (trx) => {
      await setUserNsfw(trx, user.id, nsfw)
      await insertLogEntry(trx, {
        moderatorId: moderator.id,
        action: nsfw ? 'nsfw_on' : 'nsfw_off',
        targetUserId: user.id,
        note,
      })
    })
    await this.users.userChanged(user.id)
  }

  /** Admins make people moderators or admins, or take that away (never their own role). */
  async setRole(admin: User, name: string, roleInput: string, noteInput: string): Promise<void> {
    assertRole(admin, 'admin')
    if (!isRole(roleInput)) throw new ServiceError(400, 'There is no such role.')
    const role: Role = roleInput
    const note = checkedModeratorNote(noteInput, { required: false })
    const user = await this.person(name)
    if (user.id === admin.id)
      throw new ServiceError(400, 'Another admin has to change your own role.')
    await inTransaction(this.db, async (trx) => {
      await setRole(trx, user.id, role)
      await insertLogEntry(trx, {
        moderatorId: admin.id,
        action: 'set_role',
        targetUserId: user.id,
        detail: `${user.role} -> ${role}`,
        note,
      })
    })
    // Their sessions on every node have the new role from their next request on.
    await this.users.userChanged(user.id)
  }

  /**
   * Deletes a person's account with the self-service deletion's job, logged with the reason.
   * Moderators delete members; only admins delete moderators and admins; nobody themselves.
   */
  async deleteAccount(
    moderator: User,
    name: string,
    form: { note: string; confirm: string },
  ): Promise<void> {
    assertRole(moderator, 'moderator')
    // The name typed again: a deletion cannot be undone.
    if (form.confirm !== name)
      throw new ServiceError(400, 'Type the account name to confirm the deletion.')
    const note = checkedModeratorNote(form.note, { required: true })
    const user = await this.person(name)
    if (user.id === moderator.id)
      throw new ServiceError(400, 'Delete your own account from your settings.')
    if (user.role !== 'member') assertRole(moderator, 'admin')
    if (!(await this.deletion.request(user.id, { reason: note, requestedBy: moderator.id }))) return
    await insertLogEntry(this.db, {
      moderatorId: moderator.id,
      action: 'delete_user',
      targetUserId: user.id,
      note,
    })
  }

  /** The moderation log, newest first; `before` is an entry id from the previous page. */
  async log(moderator: User, before: string): Promise<{ entries: LogEntry[]; olderId?: number }> {
    assertRole(moderator, 'moderator')
    const beforeId = /^\d{1,10}$/.test(before) ? Number(before) : undefined
    const entries = await listLogEntries(this.db, {
      ...(beforeId !== undefined ? { beforeId } : {}),
      limit: LOG_PAGE + 1,
    })
    const more = entries.length > LOG_PAGE
    const page = entries.slice(0, LOG_PAGE)
    return more ? { entries: page, olderId: page[page.length - 1]?.id } : { entries: page }
  }

  private async person(name: string): Promise<User> {
    const user = name.length <= 64 ? await findUserByName(this.db, name) : undefined
    if (!user) throw new ServiceError(404, 'There is no such person.')
    return user
  }
}
