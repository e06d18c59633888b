// Error reports reach Sentry as real envelopes (a local endpoint stands in for the DSN), carry
// the request's or the job's facts, and never a cookie, token, password or session.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import {
  flushErrorReports,
  startErrorReporting,
  stopErrorReporting,
} from '../../src/observability/error-reports.js'
import { scrubEvent, scrubText } from '../../src/observability/scrub.js'
import { projectRoot } from '../../src/paths.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, freshEnvironment, onMysql, type TestSite } from '../helpers/app.js'
import { listeningAddress } from '../helpers/child-output.js'
import { entryPoint } from '../helpers/entry-point.js'
import { eventually } from '../helpers/jobs.js'
import { type SentryStub, startSentryStub } from '../helpers/sentry.js'

async function explodeOnFullName(site: TestSite) {
  // The database itself refuses one profile value: a real failure deep below the route.
  if (onMysql) {
    await sql
      .raw(
        "create trigger boom before update on `user` for each row begin if new.full_name = 'explode' then signal sqlstate '45000' set message_text = 'the database refused'; end if; end",
      )
      .execute(site.app.db)
  } else {
    await sql
      .raw(
        "create trigger boom before update of full_name on user when new.full_name = 'explode' begin select raise(abort, 'the database refused'); end",
      )
      .execute(site.app.db)
  }
}

describe('error reports', () => {
  let sentry: SentryStub
  let site: TestSite
  before(async () => {
    sentry = await startSentryStub()
    site = await createTestSite({ SENTRY_DSN: sentry.dsn })
    // What src/server.ts does at start.
    assert.equal(await startErrorReporting(site.config, 'web'), true)
  })
  after(async () => {
    await stopErrorReporting()
    await site.close()
    await sentry.close()
  })

  it('reports a 5xx with the request facts and nothing secret', async () => {
    const user = await signUp(site.app, 'reporter')
    await explodeOnFullName(site)
    await user.get('/account/settings/profile')
    const csrf = user.csrf as string
    const sessionCookie = [...user.cookies.values()].join(';')
    assert.ok(sessionCookie.length > 20)
    const response = await user.post(
      '/account/settings/profile?token=query-secret-123&_csrf=also-secret',
      {
        full_name: 'explode',
        about: 'about',
        website: '',
        password: 'form-password-hunter2',
      },
      { headers: { authorization: 'Bearer bearer-secret-456', 'x-api-key': 'key-secret-789' } },
    )
    assert.equal(response.statusCode, 500)
    await flushErrorReports()
    await eventually(async () => sentry.events().length > 0, 10_000, 'the event to arrive')

    const [event] = sentry.events().filter((e) => e.tags?.route)
    assert.ok(event, JSON.stringify(sentry.events()))
    assert.equal(event.tags?.route, 'POST /account/settings/profile')
    assert.equal(event.tags?.process, 'web')
    assert.match(event.exception?.values?.at(-1)?.value ?? '', /the database refused/)
    const context = event.contexts?.request as Record<string, unknown>
    assert.equal(context.method, 'POST')
    assert.equal(context.route, '/account/settings/profile')
    assert.match(String(context.requestId), /^[0-9a-f-]{36}$/)
    const userId = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'reporter')
      .executeTakeFirstOrThrow()
    assert.deepEqual(event.user, { id: String(userId.id) })

    const everything = sentry.envelopes.join('\n')
    for (const secret of [
      'query-secret-123',
      'also-secret',
      'form-password-hunter2',
      'bearer-secret-456',
      'key-secret-789',
      csrf,
      ...[...user.cookies.values()],
      'reporter@example.com',
    ]) {
      assert.ok(!everything.includes(secret), `${secret.slice(0, 12)}… was sent`)
    }
    assert.doesNotMatch(everything, /cookie/i)
  })

  it('reports a job once, after its last attempt, with the job facts', async () => {
    const before = sentry.events().length
    const now = '2026-01-01 00:00:00'
    const row = (attempts: number) => ({
      job: 'no-such-job',
      payload: '{}',
      status: 'pending' as const,
      attempts,
      available_at: now,
      created_at: now,
      updated_at: now,
    })
    // One row on its first attempt (to be retried: not reported), one on its last.
    await site.app.db
      .insertInto('outbox')
      .values([row(0), row(5)])
      .execute()
    await site.app.jobs.drain()
    // Both attempts ran and failed: the first row waits for its retry, the second is dead.
    // Whatever they reported was handed to the SDK before this, so the flush sends it all.
    const states = await site.app.db
      .selectFrom('outbox')
      .select(['status', 'attempts'])
      .where('job', '=', 'no-such-job')
      .orderBy('id')
      .execute()
    assert.deepEqual(states, [
      { status: 'pending', attempts: 1 },
      { status: 'dead', attempts: 6 },
    ])
    await flushErrorReports()
    await eventually(async () => sentry.events().length > before, 10_000, 'the job event')
    const jobEvents = sentry.events().slice(before)
    assert.equal(jobEvents.length, 1, 'the retried attempt is not reported')
    const job = jobEvents[0]?.contexts?.job as Record<string, unknown>
    const dead = await site.app.db
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'dead')
      .executeTakeFirstOrThrow()
    assert.deepEqual(job, {
      queue: 'unknown',
      name: 'no-such-job',
      id: `outbox-${dead.id}`,
      attempts: 6,
    })
    assert.equal(jobEvents[0]?.tags?.job, 'no-such-job')
  })
})

describe('an uncaught error in the web process', () => {
  it('is reported before the process exits', async () => {
    const sentry = await startSentryStub()
    const fresh = await freshEnvironment()
    try {
      const server = spawn(
        process.execPath,
        [
          '--import',
          path.join(projectRoot, 'test/helpers/uncaught-on-signal.mjs'),
          entryPoint('server'),
        ],
        {
          cwd: projectRoot,
          env: {
            PATH: process.env.PATH ?? '',
            ...fresh.env,
            LOG_LEVEL: 'info',
            PORT: '0',
            HOST: '127.0.0.1',
            SENTRY_DSN: sentry.dsn,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      server.stdout.on('data', (chunk) => {
        output += chunk
      })
      server.stderr.on('data', (chunk) => {
        output += chunk
      })
      const closed = once(server, 'close')
      await listeningAddress(server)
      server.kill('SIGWINCH')
      const [code] = await closed
      assert.notEqual(code, 0, 'an uncaught error ends the process')
      const event = sentry.events().find((e) => e.tags?.failure === 'uncaught')
      assert.ok(event, `no event; output: ${output.slice(-2000)}`)
      assert.equal(event.tags?.process, 'web')
      assert.equal(event.exception?.values?.at(-1)?.value, 'uncaught on purpose')
    } finally {
      await fresh.drop()
      await sentry.close()
    }
  })
})

describe('scrubbing', () => {
  it('keeps method and path, and blanks what signs someone in', () => {
    const scrubbed = scrubEvent({
      request: {
        method: 'GET',
        url: 'http://x.test/account/reset-password/abc?next=/y',
        cookies: { sid: 'x' },
        headers: { cookie: 'sid=x' },
        data: 'password=x',
      } as { method: string; url: string },
      user: { id: 7, email: 'a@b.c', ip_address: '1.2.3.4' } as { id: number },
      extra: {
        session: 'abc',
        nested: { Authorization: 'Bearer zzz', ok: 'see /verify-email/tok' },
      },
      breadcrumbs: [{ message: 'GET /p?token=abc', data: { password: 'x' } }],
    })
    assert.deepEqual(scrubbed, {
      request: { method: 'GET', url: 'http://x.test/account/reset-password/[Filtered]' },
      user: { id: 7 },
      extra: {
        session: '[Filtered]',
        nested: { Authorization: '[Filtered]', ok: 'see /verify-email/[Filtered]' },
      },
      breadcrumbs: [{ message: 'GET /p', data: { password: '[Filtered]' } }],
    })
    assert.equal(scrubText('sent Bearer abc.def to /x?y=1'), 'sent Bearer [Filtered] to /x')
  })
})
