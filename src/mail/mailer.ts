// Renders a mail from its template and hands it to the transport without making the
// caller wait: a slow or failing mail server never holds up a page. In-flight sends are
// tracked so shutdown (and tests) can wait for them.
import path from 'node:path'
import nunjucks from 'nunjucks'
import type { Config } from '../config.js'
import { viewsDir } from '../paths.js'
import type { MailLog, MailTransport } from './message.js'
import { OutboxTransport } from './outbox-transport.js'
import { PostmarkTransport } from './postmark-transport.js'

export const mailTemplates = {
  verifyEmail: { file: 'verify-email.njk', subject: 'Confirm your email address' },
  resetPassword: { file: 'reset-password.njk', subject: 'Reset your password' },
  passwordChanged: { file: 'password-changed.njk', subject: 'Your password was changed' },
  shakeInvitation: { file: 'shake-invitation.njk', subject: 'You are invited to post to a shake' },
  exportReady: { file: 'export-ready.njk', subject: 'Your data export is ready' },
  shakeJoinRequest: {
    file: 'shake-join-request.njk',
    subject: 'Someone would like to join your shake',
  },
} as const

export type MailTemplate = keyof typeof mailTemplates

export class Mailer {
  private readonly inFlight = new Set<Promise<void>>()
  // Plain-text mail: nothing to escape, and escaping would mangle '&' in links.
  private readonly templates = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(viewsDir, 'mail')),
    { autoescape: false, throwOnUndefined: true },
  )

  constructor(
    readonly transport: MailTransport,
    private readonly from: string,
    private readonly baseUrl: string,
    private readonly log: MailLog,
  ) {}

  /** Queues the mail for delivery. Failures are logged, never thrown at the caller. */
  send(template: MailTemplate, to: string, context: Record<string, unknown>): void {
    const spec = mailTemplates[template]
    const text = this.templates.render(spec.file, { ...context, baseUrl: this.baseUrl })
    const delivery = this.transport
      .send({ from: this.from, to, subject: spec.subject, text })
      .catch((error: unknown) => {
        this.log.error({ err: error, template, transport: this.transport.name }, 'mail not sent')
      })
      .finally(() => this.inFlight.delete(delivery))
    this.inFlight.add(delivery)
  }

  /** Resolves when every mail handed over so far has been delivered or has failed. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }
}

export function createMailer(config: Config, log: MailLog): Mailer {
  const transport = config.postmarkToken
    ? new PostmarkTransport(config.postmarkToken, config.postmarkApiUrl)
    : new OutboxTransport(path.join(config.dataDir, 'mail'), log)
  return new Mailer(transport, config.mailFrom, config.baseUrl, log)
}
