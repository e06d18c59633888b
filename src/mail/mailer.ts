// Renders a mail from its template and hands it to the transport. Only the mail job calls it
// (services/mail-delivery.ts), so a slow or failing mail server never holds up a page, and a
// failure throws so that the job runner retries it.
import path from 'node:path'
import nunjucks from 'nunjucks'
import type { Config } from '../config.js'
import { templatesDir } from '../paths.js'
import type { MailLog, MailTransport } from './message.js'
import { OutboxTransport } from './outbox-transport.js'
import { PostmarkTransport } from './postmark-transport.js'

export const mailTemplates = {
  verifyEmail: { file: 'verify-email.njk', subject: 'Confirm your email address' },
  resetPassword: { file: 'reset-password.njk', subject: 'Reset your password' },
  passwordChanged: { file: 'password-changed.njk', subject: 'Your password was changed' },
  signInLocked: {
    file: 'sign-in-locked.njk',
    subject: 'Signing in to your account is paused after many wrong passwords',
  },
  signUpAttempt: {
    file: 'sign-up-attempt.njk',
    subject: 'Someone tried to create an account with your address',
  },
  shakeInvitation: { file: 'shake-invitation.njk', subject: 'You are invited to post to a shake' },
  exportReady: { file: 'export-ready.njk', subject: 'Your data export is ready' },
  shakeJoinRequest: {
    file: 'shake-join-request.njk',
    subject: 'Someone would like to join your shake',
  },
  newFollower: { file: 'new-follower.njk', subject: 'You have a new follower' },
} as const

export type MailTemplate = keyof typeof mailTemplates

export class Mailer {
  // Plain-text mail: nothing to escape, and escaping would mangle '&' in links.
  private readonly templates = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(templatesDir, 'mail')),
    { autoescape: false, throwOnUndefined: true },
  )

  constructor(
    readonly transport: MailTransport,
    private readonly from: string,
    private readonly baseUrl: string,
  ) {}

  /** Renders and delivers one mail; throws when the transport did not accept it. */
  async deliver(
    template: MailTemplate,
    to: string,
    context: Record<string, unknown>,
  ): Promise<void> {
    const spec = mailTemplates[template]
    const text = this.templates.render(spec.file, { ...context, baseUrl: this.baseUrl })
    await this.transport.send({ from: this.from, to, subject: spec.subject, text })
  }
}

export function createMailer(config: Readonly<Config>, log: MailLog): Mailer {
  const transport = config.postmarkToken
    ? new PostmarkTransport(config.postmarkToken, config.postmarkApiUrl)
    : new OutboxTransport(path.join(config.dataDir, 'mail'), log)
  return new Mailer(transport, config.mailFrom, config.baseUrl)
}
