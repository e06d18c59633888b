// Production mail through Postmark's API.
import { ServerClient } from 'postmark'
import type { MailMessage, MailTransport } from './message.js'

export class PostmarkTransport implements MailTransport {
  readonly name = 'postmark'
  private readonly client: ServerClient

  /** apiUrl points the client at a Postmark-compatible endpoint (tests, relays). */
  constructor(token: string, apiUrl?: string) {
    const url = apiUrl ? new URL(apiUrl) : undefined
    this.client = new ServerClient(token, {
      useHttps: url ? url.protocol === 'https:' : true,
      requestHost: url ? url.host : 'api.postmarkapp.com',
      timeout: 15,
    })
  }

  async send(message: MailMessage): Promise<void> {
    const result = await this.client.sendEmail({
      From: message.from,
      To: message.to,
      Subject: message.subject,
      TextBody: message.text,
      MessageStream: 'outbound',
    })
    if (result.ErrorCode !== 0) throw new Error(`Postmark refused the message: ${result.Message}`)
  }
}
