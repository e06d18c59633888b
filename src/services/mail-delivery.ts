// Every mail the site sends goes through one job, 'send-mail': the action writes an outbox row
// (in its own transaction where it has one) and the job runner delivers it with retries, so
// nobody waits on the mail server and a failing one loses nothing. The row carries ids only:
// one-time tokens are minted by the job itself, so no token sits in the outbox or in Redis.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { enqueue } from '../jobs/enqueue.js'
import type { JobContext } from '../jobs/job-context.js'
import { findExport } from '../repositories/exports.js'
import { findShakeById } from '../repositories/shakes.js'
import { deleteUserTokens, insertToken } from '../repositories/tokens.js'
import { findUserById, type User } from '../repositories/users.js'
import { newToken } from './tokens.js'

export const VERIFY_TTL_SECONDS = 7 * 24 * 3600
export const RESET_TTL_SECONDS = 3600

/** About one user's account: always sent. */
type AccountMail =
  | { mail: 'verifyEmail'; userId: number; email: string }
  | { mail: 'resetPassword'; userId: number }
  | { mail: 'passwordChanged'; userId: number }
  | { mail: 'signUpAttempt'; userId: number }
  | { mail: 'signInLocked'; userId: number }
  | { mail: 'exportReady'; userId: number; exportId: number }

/** About what someone else did: not sent to users who turned these mails off. */
type NotificationMail = {
  mail: 'shakeInvitation' | 'shakeJoinRequest' | 'newFollower'
  userId: number
  fromUserId: number
  shakeId: number
}

export type MailJob = AccountMail | NotificationMail

/** Queues a mail; call it inside the action's transaction when there is one. */
export function queueMail(db: Kysely<DB>, job: MailJob): Promise<number> {
  return enqueue(db, 'send-mail', job)
}

/** The 'send-mail' job: decides, at delivery time, whether the mail is still wanted. */
export async function sendMail(ctx: JobContext, job: MailJob): Promise<void> {
  const user = await findUserById(ctx.db, job.userId)
  if (!user) return
  switch (job.mail) {
    case 'verifyEmail': {
      // A later change of address queued its own mail; this one is moot.
      if (user.emailConfirmed || user.email !== job.email) return
      // One live confirmation link at a time, as for resets: a new one retires the older ones.
      await deleteUserTokens(ctx.db, user.id, 'verify_email')
      const token = await mintToken(ctx, user, 'verify_email', VERIFY_TTL_SECONDS)
      return ctx.mailer.deliver('verifyEmail', user.email, { name: user.name, token })
    }
    case 'resetPassword': {
      // One live reset link at a time: a new one retires the older ones.
      await deleteUserTokens(ctx.db, user.id, 'reset_password')
      const token = await mintToken(ctx, user, 'reset_password', RESET_TTL_SECONDS)
      return ctx.mailer.deliver('resetPassword', user.email, { name: user.name, token })
    }
    case 'passwordChanged':
      return ctx.mailer.deliver('passwordChanged', user.email, { name: user.name })
    case 'signUpAttempt':
      return ctx.mailer.deliver('signUpAttempt', user.email, { name: user.name })
    case 'signInLocked':
      return ctx.mailer.deliver('signInLocked', user.email, { name: user.name })
    case 'exportReady': {
      // Gone (expired or deleted) by the time the mail goes out: nothing to announce.
      const ready = await findExport(ctx.db, job.exportId)
      if (ready?.status !== 'ready' || !ready.expiresAt || ready.userId !== user.id) return
      return ctx.mailer.deliver('exportReady', user.email, {
        name: user.name,
        expires: ready.expiresAt.toISOString().slice(0, 10),
      })
    }
    default:
      return sendNotification(ctx, user, job)
  }
}

async function sendNotification(ctx: JobContext, user: User, job: NotificationMail) {
  if (user.disableNotifications) return
  const [from, shake] = await Promise.all([
    findUserById(ctx.db, job.fromUserId),
    findShakeById(ctx.db, job.shakeId),
  ])
  if (!from || !shake) return
  const shakeFacts = { name: user.name, shakeName: shake.name, shakeTitle: shake.title }
  switch (job.mail) {
    case 'shakeInvitation':
      return ctx.mailer.deliver('shakeInvitation', user.email, {
        ...shakeFacts,
        inviter: from.name,
      })
    case 'shakeJoinRequest':
      return ctx.mailer.deliver('shakeJoinRequest', user.email, {
        ...shakeFacts,
        requester: from.name,
      })
    case 'newFollower':
      return ctx.mailer.deliver('newFollower', user.email, { ...shakeFacts, follower: from.name })
  }
}

async function mintToken(
  ctx: JobContext,
  user: User,
  purpose: 'verify_email' | 'reset_password',
  ttlSeconds: number,
): Promise<string> {
  const { token, hash } = newToken()
  await insertToken(ctx.db, {
    userId: user.id,
    purpose,
    tokenHash: hash,
    email: user.email,
    ttlSeconds,
  })
  return token
}
