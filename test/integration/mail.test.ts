// Mail: every message goes out through the 'send-mail' job, with retries, in both runners; the
// Postmark transport is tested against a local server that answers the way Postmark's API does
// (including its failures), and the per-user opt-out holds at delivery time.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { PermanentJobError } from '../../src/jobs/retry.js'
import { Mailer } from '../../src/mail/mailer.js'
import { OutboxTransport } from '../../src/mail/outbox-transport.js'
import { PostmarkTransport } from '../../src/mail/postmark-transport.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { eventually, settle } from '../helpers/jobs.js'
import { outbox } from '../helpers/mail.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { createSocialSite, type Mode } from '../helpers/social.js'

interface Received {
  url: string
  headers: IncomingMessage['headers']
  body: Record<string, string>
}

type Answer = { status: number; body: object; delayMs?: number }

const accepted: Answer = { status: 200, body: { ErrorCode: 0, Message: 'OK', MessageID: 'id' } }

/** A local stand-in for api.postmarkapp.com: records requests, answers from a script. */
async function startPostmark() {
  const received: Received[] = []
  // Answers for the next requests, in order; then the default.
  const script: Answer[] = []
  let fallback: Answer = accepted
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    received.push({
      url: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString()),
    })
    const answer = script.shift() ?? fallback
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer.body))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script,
    setFallback(answer: Answer) {
      fallback = answer
    },
    to: (address: string) => received.filter((r) => r.body.To === address),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('Postmark transport', () => {
  let postmark: Awaited<ReturnType<typeof startPostmark>>
  before(async () => {
    postmark = await startPostmark()
  })
  after(() => postmark.close())

  it('sends a message the way Postmark expects it', async () => {
    const transport = new PostmarkTransport('server-token-123', postmark.apiUrl)
    await transport.send({
      from: 'MLKSHK <hello@mlkshk.test>',
      to: 'a@example.com',
      subject: 'Hi',
      text: 'Body',
    })
    const request = postmark.received.at(-1) as Received
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

  it('fails for good on a 422 (a refused message), and retryably on a 5xx', async () => {
    const transport = new PostmarkTransport('server-token-123', postmark.apiUrl)
    const message = { from: 'a@mlkshk.test', to: 'bad', subject: 'x', text: 'y' }
    postmark.script.push({
      status: 422,
      body: { ErrorCode: 300, Message: 'Invalid email request' },
    })
    await assert.rejects(transport.send(message), (error: Error) => {
      assert.ok(error instanceof PermanentJobError)
      assert.match(error.message, /Invalid email request/)
      return true
    })
    postmark.script.push({ status: 503, body: { ErrorCode: 0, Message: 'Maintenance' } })
    await assert.rejects(transport.send(message), (error: Error) => {
      assert.ok(!(error instanceof PermanentJobError))
      return true
    })
  })
})

describe('mail jobs with Postmark', async () => {
  const skipRedis = await skipUnless('Redis', redisUrl)
  for (const mode of ['embedded', 'production'] as Mode[]) {
    it(`${mode}: mail is a job; a 5xx is retried until it goes, a 422 is not retried`, {
      skip: mode === 'production' && skipRedis,
    }, async () => {
      const postmark = await startPostmark()
      const site = await createSocialSite(mode, redisUrl, {
        POSTMARK_TOKEN: 'site-token',
        POSTMARK_API_URL: postmark.apiUrl,
      })
      try {
        await signUp(site.app, 'mailed')
        await eventually(async () => postmark.to('mailed@example.com').length === 1)
        const verify = postmark.to('mailed@example.com')[0] as Received
        assert.equal(verify.headers['x-postmark-server-token'], 'site-token')
        assert.match(verify.body.TextBody ?? '', /http:\/\/mlkshk\.test\/verify-email\/[\w-]{43}/)
        await assert.rejects(readdir(path.join(site.config.dataDir, 'mail')), 'no mail files')

        // Postmark is slow and then down: the page does not wait, the job retries.
        postmark.script.push({
          status: 503,
          body: { ErrorCode: 0, Message: 'Down' },
          delayMs: 1500,
        })
        const browser = new Browser(site.app)
        await browser.get('/account/forgot-password')
        const started = Date.now()
        const answer = await browser.post('/account/forgot-password', {
          email: 'mailed@example.com',
        })
        assert.equal(answer.statusCode, 200)
        assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`)
        await settle(site.app, 30_000)
        const tries = postmark
          .to('mailed@example.com')
          .filter((r) => /Reset/.test(r.body.Subject ?? ''))
        assert.equal(tries.length, 2, 'one refused by the 503, one delivered')
        const reset = await site.app.db
          .selectFrom('outbox')
          .select(['status', 'attempts'])
          .where('job', '=', 'send-mail')
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow()
        assert.equal(reset.status, 'done')
        // The link in the delivered mail works: the job minted the token it mailed.
        const link = /\/account\/reset-password\/[\w-]{43}/.exec(tries[1]?.body.TextBody ?? '')
        assert.ok(link)
        assert.equal((await browser.get(link[0])).statusCode, 200)

        // Postmark refuses the address: one try, then the row is dead with the reason.
        postmark.script.push({
          status: 422,
          body: {
            ErrorCode: 406,
            Message: 'You tried to send to a recipient that has been marked as inactive.',
          },
        })
        const refused = await signUp(site.app, 'inactive')
        await settle(site.app, 30_000)
        const dead = await site.app.db
          .selectFrom('outbox')
          .select(['status', 'last_error'])
          .where('job', '=', 'send-mail')
          .where('status', '=', 'dead')
          .execute()
        assert.equal(dead.length, 1)
        assert.match(dead[0]?.last_error ?? '', /refused.*inactive/)
        // A dead row is never tried again (in either runner it is dead only after the job's
        // last attempt), so this count is final.
        assert.equal(postmark.to('inactive@example.com').length, 1, 'not retried')
        assert.equal((await refused.get('/')).statusCode, 200, 'the account itself is fine')
      } finally {
        await site.close()
        await postmark.close()
      }
    })
  }
})

describe('mail about other people', () => {
  it('tells the owner of a new follower once, unless they turned such mail off', async () => {
    const site = await createTestSite()
    try {
      const alice = await signUp(site.app, 'alice')
      const bob = await signUp(site.app, 'bob')
      const carol = await signUp(site.app, 'carol')
      const followMails = async () =>
        (await outbox(site.app)).filter(
          (m) => m.to === 'alice@example.com' && /follower/.test(m.subject),
        )

      assert.equal((await bob.post('/user/alice/subscribe', {})).statusCode, 303)
      const [first, ...others] = await followMails()
      assert.equal(others.length, 0)
      assert.match(first?.text ?? '', /bob now follows your shake "alice"/)

      // Unfollowing and following again is not news.
      await bob.post('/user/alice/unsubscribe', {})
      await bob.post('/user/alice/subscribe', {})
      assert.equal((await followMails()).length, 1)

      await alice.get('/account/settings')
      await alice.post('/account/settings', { form: 'mail', email: 'off' })
      assert.equal((await carol.post('/user/alice/subscribe', {})).statusCode, 303)
      assert.equal((await followMails()).length, 1, 'opted out')
      const notified = await site.app.db
        .selectFrom('notification')
        .select('sender_id')
        .where('type', '=', 'subscriber')
        .execute()
      assert.equal(notified.length, 2, 'the notifications themselves still arrive')
    } finally {
      await site.close()
    }
  })

  it('keeps no token in the outbox: the job mints it', async () => {
    const site = await createTestSite()
    try {
      await signUp(site.app, 'tokenless')
      await settle(site.app)
      const rows = await site.app.db.selectFrom('outbox').select('payload').execute()
      const mail = (await outbox(site.app)).find((m) => m.to === 'tokenless@example.com')
      const token = /verify-email\/([\w-]{43})/.exec(mail?.text ?? '')?.[1]
      assert.ok(token)
      for (const row of rows) assert.ok(!row.payload.includes(token))
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
      const mailer = new Mailer(transport, 'MLKSHK <hello@mlkshk.test>', 'http://mlkshk.test')
      await mailer.deliver('verifyEmail', 'x@example.com', { name: 'x', token: 'T0KEN' })
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
