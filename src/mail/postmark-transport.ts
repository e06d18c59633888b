// Production mail through Postmark's API. A message Postmark refuses (422: a bad or inactive
// address, a malformed message) fails permanently; anything else (5xx, 429, the network) is
// thrown as is, for the mail job to retry.
import { ServerClient } from 'postmark'
import { PermanentJobError } from '../jobs/retry.js'
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
    let result: Awaited<ReturnType<ServerClient['sendEmail']>>
    try {
      result = await this.client.sendEmail({
        From: message.from,
        To: message.to,
        Subject: message.subject,
        TextBody: message.text,
        MessageStream: 'outbound',
      })
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 422) {
        throw new PermanentJobError(`Postmark refused the message: ${(error as Error).message}`)
      }
      throw error
    }
    if (result.ErrorCode !== 0) {
      throw new PermanentJobError(`Postmark refused the message: ${result.Message}`)
    }
  }
}
