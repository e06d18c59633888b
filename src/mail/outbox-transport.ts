// Embedded mode's mail: each message becomes a file under DATA_DIR/mail and a log line, so a
// developer can open the links without any mail server.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { MailLog, MailMessage, MailTransport } from './message.js'

export class OutboxTransport implements MailTransport {
  readonly name = 'outbox'

  constructor(
    readonly folder: string,
    private readonly log: MailLog,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.folder, { recursive: true })
    const stamp = new Date().toISOString().replaceAll(':', '-')
    const file = path.join(this.folder, `${stamp}-${randomBytes(4).toString('hex')}.eml`)
    const headers = [
      `From: ${message.from}`,
      `To: ${message.to}`,
      `Subject: ${message.subject}`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
    ]
    await writeFile(file, `${headers.join('\n')}\n\n${message.text}`, { mode: 0o600 })
    // Trailing punctuation belongs to the sentence, not the link.
    const links = message.text.match(/https?:\/\/\S*[^\s.,;:!?)]/g) ?? []
    this.log.info({ file, to: message.to, links }, `mail: ${message.subject}`)
  }
}
