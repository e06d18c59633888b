// A process that cannot reach its database says so in one line that names the setting, never
// a driver's stack trace or the password, reports it like any other error, and exits 1: the
// web process, the worker and migrate, against a closed port, wrong credentials and a database
// that does not exist.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { projectRoot } from '../../src/paths.js'
import { AttackTable } from '../helpers/attack-table.js'
import { entryPoint } from '../helpers/entry-point.js'
import { type SentryStub, startSentryStub } from '../helpers/sentry.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

const PASSWORD = 'hunter2-very-secret'

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function start(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [entryPoint(script)], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      SESSION_SECRET: 'a session secret long enough for the config',
      DATA_DIR: '/tmp/mlkshk-startup-errors-never-used',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code] = await once(child, 'close')
  clearTimeout(timer)
  return { code: code as number | null, lines: output.split('\n').filter((l) => l.trim() !== '') }
}

describe('start-up without a usable database', async () => {
  const table = new AttackTable('start-up', 'one line naming the setting, reported, exit 1')
  const skipMariadb = await skipUnless('MariaDB', 'mysql://127.0.0.1:3306')
  let sentry: SentryStub
  let refusedUrl: string
  before(async () => {
    sentry = await startSentryStub()
    refusedUrl = `mysql://app:${PASSWORD}@127.0.0.1:${await closedPort()}/mlkshk`
  })
  after(() => sentry?.close())

  async function expectOneLine(script: string, url: string, reason: RegExp) {
    const reports = sentry.events().length
    const { code, lines } = await start(script, {
      DATABASE_URL: url,
      SENTRY_DSN: sentry.dsn,
      REDIS_URL: redisUrl,
    })
    assert.equal(code, 1, `${script}: ${lines.join('\n')}`)
    assert.equal(lines.length, 1, `${script} said one line: ${lines.join('\n')}`)
    const line = lines[0] as string
    assert.match(line, /DATABASE_URL \(mysql:\/\/\w+@127\.0\.0\.1:\d+\/\w+\)/, line)
    assert.match(line, reason, line)
    assert.doesNotMatch(line, new RegExp(PASSWORD), 'no password')
    assert.doesNotMatch(line, /^\s*at |node_modules|\.[jt]s:\d+/, 'no stack')
    const reported = sentry.events().slice(reports)
    assert.equal(reported.length, 1, `${script} reported it`)
    assert.match(JSON.stringify(reported[0]?.exception), /DatabaseUnavailableError/)
    assert.doesNotMatch(sentry.envelopes.join(''), new RegExp(PASSWORD))
  }

  it('says a closed port in one line, from every process', async () => {
    await table.attack('database down at start-up (web, worker, migrate)', async () => {
      for (const script of ['server.ts', 'worker.ts', 'migrate.ts'])
        await expectOneLine(script, refusedUrl, /nothing answers at 127\.0\.0\.1:\d+/)
      return 3
    })
  })

  it('says wrong credentials and a missing database in one line', {
    skip: skipMariadb,
  }, async () => {
    await table.attack('wrong credentials, unknown database', async () => {
      await expectOneLine(
        'server.ts',
        `mysql://app:${PASSWORD}@127.0.0.1:3306/mlkshk`,
        /Access denied for user 'app'.*check the user name and password/,
      )
      await expectOneLine(
        'server.ts',
        'mysql://root@127.0.0.1:3306/mlkshk_no_such_database',
        /Unknown database 'mlkshk_no_such_database': create it/,
      )
      return 2
    })
  })
})
