// Mail transports against real peers: the outbox folder, and Postmark's HTTP API served by a
// local server that answers the way Postmark does.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Mailer } from '../../src/mail/mailer.js'
import { OutboxTransport } from '../../src/mail/outbox-transport.js'
import { PostmarkTransport } from '../../src/mail/postmark-transport.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite } from '../helpers/app.js'

interface Received {
  url: string
  headers: IncomingMessage['headers']
  body: Record<string, string>
}

function quietLog() {
  const errors: unknown[] = []
  return { errors, info() {}, error: (obj: object) => errors.push(obj) }
}

describe('Postmark transport', () => {
  let server: Server
  let apiUrl: string
  const received: Received[] = []
  let answer: { status: number; body: object } = { status: 200, body: {} }

  before(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      })
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.body))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => server.close())

  it('sends a message the way Postmark expects it', async () => {
    answer = {
      status: 200,
      body: {
        To: 'a@example.com',
        SubmittedAt: '2026-11-26T00:00:00Z',
        MessageID: 'abc',
        ErrorCode: 0,
        Message: 'OK',
      },
    }
    const transport = new PostmarkTransport('server-token-123', apiUrl)
    await transport.send({
      from: 'MLKSHK <hello@mlkshk.test>',
      to: 'a@example.com',
      subject: 'Hi',
      text: 'Body',
    })
    const request = received.at(-1) as Received
    assert.equal(request.url, '/email')
    assert.equal(request.headers['x-postmark-server-token'], 'server-token-123')
    assert.deepEqual(request.body, {
      From: 'MLKSHK <hello@mlkshk.test>',
      To: 'a@example.com',
      Subject: 'Hi',
      TextBody: 'Body',
      MessageStream: 'outbound',
    })
  })

  it('reports a refused message as a failure, which the mailer logs without throwing', async () => {
    answer = { status: 422, body: { ErrorCode: 300, Message: 'Invalid email request' } }
    const transport = new PostmarkTransport('server-token-123', apiUrl)
    await assert.rejects(
      transport.send({ from: 'a@mlkshk.test', to: 'bad', subject: 'x', text: 'y' }),
    )
    const log = quietLog()
    const mailer = new Mailer(transport, 'a@mlkshk.test', 'http://mlkshk.test', log)
    mailer.send('passwordChanged', 'bad', { name: 'someone' })
    await mailer.flush()
    assert.equal(log.errors.length, 1)
  })

  it('is what a site with POSTMARK_TOKEN uses for its mail', async () => {
    answer = { status: 200, body: { ErrorCode: 0, Message: 'OK' } }
    const site = await createTestSite({ POSTMARK_TOKEN: 'site-token', POSTMARK_API_URL: apiUrl })
    try {
      await signUp(site.app, 'mailed')
      await site.app.mailer.flush()
      const mail = received.at(-1) as Received
      assert.equal(mail.headers['x-postmark-server-token'], 'site-token')
      assert.equal(mail.body.To, 'mailed@example.com')
      assert.match(
        mail.body.TextBody ?? '',
        /http:\/\/mlkshk\.test\/verify-email\/[A-Za-z0-9_-]{43}/,
      )
      await assert.rejects(
        readdir(path.join(site.config.dataDir, 'mail')),
        'no outbox files in Postmark mode',
      )
    } finally {
      await site.close()
    }
  })
})

describe('outbox transport', () => {
  it('writes each message to a file and logs its links', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-outbox-'))
    try {
      const logged: object[] = []
      const transport = new OutboxTransport(path.join(folder, 'mail'), {
        info: (obj) => logged.push(obj),
        error() {},
      })
      const mailer = new Mailer(transport, 'MLKSHK <hello@mlkshk.test>', 'http://mlkshk.test', {
        info() {},
        error() {},
      })
      mailer.send('verifyEmail', 'x@example.com', { name: 'x', token: 'T0KEN' })
      await mailer.flush()
      const [file] = await readdir(path.join(folder, 'mail'))
      const text = await readFile(path.join(folder, 'mail', file as string), 'utf8')
      assert.match(text, /^From: MLKSHK <hello@mlkshk\.test>$/m)
      assert.match(text, /^Subject: Confirm your email address$/m)
      assert.match(text, /http:\/\/mlkshk\.test\/verify-email\/T0KEN/)
      assert.deepEqual((logged[0] as { links: string[] }).links, [
        'http://mlkshk.test/verify-email/T0KEN',
        'http://mlkshk.test',
      ])
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
