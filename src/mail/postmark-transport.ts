// Production mail through Postmark's API. A message Postmark refuses (422: a bad or inactive
// address, a malformed message) fails permanently; anything else (5xx, 429, the network) is
// thrown as is, for the mail job to retry. The client library is loaded with the first mail:
// only the process that runs the mail job needs it.
import type { ServerClient } from 'postmark'
import { PermanentJobError } from '../jobs/retry.js'
import type { MailMessage, MailTransport } from './message.js'

export class PostmarkTransport implements MailTransport {
  readonly name = 'postmark'
  private client: Promise<ServerClient> | undefined

  /** apiUrl points the client at a Postmark-compatible endpoint (tests, relays). */
  constructor(
    private readonly token: string,
    private readonly apiUrl?: string,
  ) {}

  private connect(): Promise<ServerClient> {
    const url = this.apiUrl ? new URL(this.apiUrl) : undefined
    this.client ??= import('postmark').then(
      ({ ServerClient }) =>
        new ServerClient(this.token, {
          useHttps: url ? url.protocol === 'https:' : true,
          requestHost: url ? url.host : 'api.postmarkapp.com',
          timeout: 15,
        }),
    )
    return this.client
  }

  async send(message: MailMessage): Promise<void> {
    const client = await this.connect()
    let result: Awaited<ReturnType<ServerClient['sendEmail']>>
    try {
      result = await client.sendEmail({
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
