// The real entry points as separate processes: migrate, then the web server, then SIGTERM.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { projectRoot } from '../../src/paths.js'
import { freshEnvironment, onMysql } from '../helpers/app.js'
import { finish, listeningAddress } from '../helpers/child-output.js'
import { entryPoint } from '../helpers/entry-point.js'
import { eventually } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'

function run(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [entryPoint(script)], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

describe('processes', async () => {
  const skipRedis = await skipUnless('Redis', redisUrl)
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups) await cleanup()
  })

  it('refuses to start with a bad variable, naming it', async () => {
    const result = await finish(
      run('server.ts', { PORT: 'not-a-port', DATA_DIR: '/tmp/never-used' }),
    )
    assert.equal(result.code, 1)
    assert.match(result.stderr, /Invalid configuration: PORT must be integer/)
    const migrate = await finish(run('migrate.ts', { DATABASE_URL: 'postgres://x' }))
    assert.equal(migrate.code, 1)
    assert.match(migrate.stderr, /DATABASE_URL must start with mysql:\/\/ or sqlite:/)
  })

  it('migrates, serves, and exits cleanly on SIGTERM', async () => {
    const fresh = await freshEnvironment({ migrate: false })
    cleanups.push(fresh.drop)
    const env = { ...fresh.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' }

    const migrate = await finish(run('migrate.ts', env))
    assert.equal(migrate.code, 0, migrate.stderr)
    assert.match(migrate.stdout, /migrate: 2026_11_26_0001_accounts Success/)
    const again = await finish(run('migrate.ts', env))
    assert.match(again.stdout, /the schema is up to date/)

    const server = run('server.ts', env)
    const exited = finish(server)
    const address = await listeningAddress(server)
    const health = await fetch(`${address}/healthy/is-healthy`)
    assert.equal(await health.text(), 'OK')
    const home = await fetch(`${address}/`)
    assert.match(await home.text(), /Share images with people you like/)
    server.kill('SIGTERM')
    const { code } = await exited
    assert.equal(code, 0)
  })

  it('drains on SIGTERM: the health check answers 404, pages still work, then it exits', async () => {
    const fresh = await freshEnvironment()
    cleanups.push(fresh.drop)
    const server = run('server.ts', {
      ...fresh.env,
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      DRAIN_SECONDS: '2',
    })
    const exited = finish(server)
    const address = await listeningAddress(server)
    assert.equal((await fetch(`${address}/healthy/is-healthy`)).status, 200)
    const started = Date.now()
    server.kill('SIGTERM')
    // The signal is handled as soon as the process gets to it: asked again until it has.
    let health: Response | undefined
    await eventually(
      async () => {
        health = await fetch(`${address}/healthy/is-healthy`)
        if (health.status !== 200) return true
        await health.text()
        return false
      },
      1500,
      'the health check to answer that it drains',
    )
    assert.equal(health?.status, 404)
    assert.equal(await health?.text(), 'draining')
    assert.equal((await fetch(`${address}/`)).status, 200, 'requests still served while draining')
    const { code } = await exited
    assert.equal(code, 0)
    assert.ok(Date.now() - started >= 1900, 'it waited for the load balancer to notice')
  })

  it('runs the worker until SIGTERM, then closes cleanly', { skip: skipRedis }, async () => {
    const fresh = await freshEnvironment()
    cleanups.push(fresh.drop)
    const env: Record<string, string> = { ...fresh.env, REDIS_URL: redisUrl, LOG_LEVEL: 'info' }
    if (!env.DATABASE_URL) {
      // The worker does not migrate: give it the migrated SQLite file a web process would make.
      env.DATABASE_URL = `sqlite:${path.join(env.DATA_DIR as string, 'worker.sqlite')}`
      const migrated = await finish(run('migrate.ts', env))
      assert.equal(migrated.code, 0, migrated.stderr)
    }
    const worker = run('worker.ts', env)
    const exited = finish(worker)
    let output = ''
    await new Promise<void>((resolve, reject) => {
      worker.stdout?.on('data', (chunk) => {
        output += chunk
        if (output.includes('worker running')) resolve()
      })
      worker.once('exit', () => reject(new Error(`worker exited: ${output}`)))
    })
    worker.kill('SIGTERM')
    const { code } = await exited
    assert.equal(code, 0)
    const noRedis = await finish(run('worker.ts', { ...fresh.env }))
    assert.equal(noRedis.code, 1)
    assert.match(noRedis.stdout + noRedis.stderr, /REDIS_URL is not set/)
  })

  it('refuses to serve a MySQL database that is behind on migrations', {
    skip: !onMysql && 'MySQL only: embedded SQLite migrates itself',
  }, async () => {
    const fresh = await freshEnvironment({ migrate: false })
    cleanups.push(fresh.drop)
    const result = await finish(run('server.ts', { ...fresh.env, PORT: '0', HOST: '127.0.0.1' }))
    assert.notEqual(result.code, 0)
    assert.match(
      result.stdout + result.stderr,
      /needs migrating first \(npm run migrate\): 2026_11_26_0001_accounts/,
    )
  })
})
