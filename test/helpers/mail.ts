// Reads the embedded mail outbox (DATA_DIR/mail) the way a developer would.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { settle } from './jobs.js'

export interface OutboxMail {
  to: string
  subject: string
  text: string
}

/** The mail sent so far, once every queued job (mail jobs among them) has run. */
export async function outbox(app: FastifyInstance): Promise<OutboxMail[]> {
  await settle(app)
  const folder = path.join(app.config.dataDir, 'mail')
  let files: string[]
  try {
    files = (await readdir(folder)).filter((f) => f.endsWith('.eml')).sort()
  } catch {
    return []
  }
  return Promise.all(
    files.map(async (file) => {
      const raw = await readFile(path.join(folder, file), 'utf8')
      const [head = '', ...body] = raw.split('\n\n')
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(head)?.[1] ?? ''
      return { to: header('To'), subject: header('Subject'), text: body.join('\n\n') }
    }),
  )
}

/** The path of the first link in the newest mail to this address that matches the pattern. */
export async function linkFromMail(
  app: FastifyInstance,
  to: string,
  pattern: RegExp,
): Promise<string> {
  const mails = (await outbox(app)).filter((m) => m.to === to)
  for (const mail of mails.reverse()) {
    const match = mail.text.match(pattern)
    if (match) return new URL(match[0]).pathname
  }
  throw new Error(`no mail to ${to} with a link like ${pattern}`)
}
