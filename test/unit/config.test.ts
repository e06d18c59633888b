import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { ConfigError, loadConfig } from '../../src/config.js'
import { appEnvironment, nodePoolEnvironment } from '../../src/config-schema.js'
import { projectRoot } from '../../src/paths.js'

describe('config', () => {
  let dataDir: string
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-config-'))
  })
  after(() => rm(dataDir, { recursive: true, force: true }))

  it('needs no variable at all for embedded mode', async () => {
    const config = loadConfig({ DATA_DIR: dataDir })
    assert.equal(config.port, 3000)
    assert.equal(config.host, 'localhost')
    assert.equal(config.baseUrl, 'http://localhost:3000')
    assert.equal(config.embedded, true)
    assert.equal(config.mode, 'embedded')
    assert.deepEqual(config.database, {
      dialect: 'sqlite',
      file: path.join(dataDir, 'mlkshk.sqlite'),
    })
    assert.equal(config.redisUrl, undefined)
    assert.equal(config.s3, undefined)
    assert.equal(config.trustProxy, false)
    assert.deepEqual(config.rateLimits.signIn, { max: 25, windowSeconds: 300 })
    assert.deepEqual(config.images.heifDecoder, { path: 'heif-convert', timeoutMs: 60_000 })
  })

  it('reads the HEIC decoder and its time limit', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      HEIF_DECODER_PATH: '/usr/bin/heif-dec',
      HEIF_DECODER_TIMEOUT_SECONDS: '20',
    })
    assert.deepEqual(config.images.heifDecoder, { path: '/usr/bin/heif-dec', timeoutMs: 20_000 })
  })

  it('generates a session secret once and keeps it under DATA_DIR', async () => {
    const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret
    const second = loadConfig({ DATA_DIR: dataDir }).sessionSecret
    assert.equal(first, second)
    assert.ok(first.length >= 64)
    const file = path.join(dataDir, 'session-secret')
    assert.equal((await readFile(file, 'utf8')).trim(), first)
    assert.equal((await stat(file)).mode & 0o777, 0o600)
  })

  it('is frozen, all the way down', () => {
    const config = loadConfig({ DATA_DIR: dataDir })
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.rateLimits.signIn))
    assert.throws(() => {
      ;(config as { port: number }).port = 1
    }, TypeError)
  })

  it('reads production settings', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      BASE_URL: 'https://mlkshk.example/',
      DATABASE_URL: 'mysql://app:secret@db:3306/mlkshk',
      REDIS_URL: 'redis://redis:6379',
      S3_BUCKET: 'mlkshk-files',
      S3_ENDPOINT: 'http://s3:4568',
      S3_FORCE_PATH_STYLE: 'true',
      SESSION_SECRET: 's'.repeat(40),
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      RATE_LIMIT_SIGN_IN: '10/60',
      DATABASE_REPLICA_URLS:
        'mysql://app:secret@replica1/mlkshk, mysql://app:secret@replica2:3307/mlkshk',
      REPLICA_MAX_LAG_SECONDS: '2.5',
    })
    assert.equal(config.port, 8080)
    assert.equal(config.baseUrl, 'https://mlkshk.example')
    assert.equal(config.embedded, false)
    assert.equal(config.mode, 'production')
    assert.deepEqual(config.database, {
      dialect: 'mysql',
      url: 'mysql://app:secret@db:3306/mlkshk',
    })
    assert.equal(config.s3?.bucket, 'mlkshk-files')
    assert.equal(config.s3?.forcePathStyle, true)
    assert.equal(config.trustProxy, '10.0.0.0/8,127.0.0.1')
    assert.deepEqual(config.rateLimits.signIn, { max: 10, windowSeconds: 60 })
    assert.deepEqual(config.replicas, {
      urls: ['mysql://app:secret@replica1/mlkshk', 'mysql://app:secret@replica2:3307/mlkshk'],
      maxLagSeconds: 2.5,
    })
  })

  const refusals: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT must be integer/],
    [{ PORT: '70000' }, /PORT must be <= 65535/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be equal to one of the allowed values/],
    [{ DATABASE_URL: 'postgres://db/x' }, /DATABASE_URL must start with mysql:\/\/ or sqlite:/],
    [{ DATABASE_URL: 'mysql://' }, /DATABASE_URL is not a valid mysql:\/\/ URL/],
    [{ DATABASE_URL: 'mysql://db/x' }, /SESSION_SECRET is required when DATABASE_URL is set/],
    [{ SESSION_SECRET: 'short' }, /SESSION_SECRET must NOT have fewer than 32 characters/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must match pattern/],
    [{ BASE_URL: 'ftp://example.com' }, /BASE_URL must be an http/],
    [{ BASE_URL: 'not a url' }, /BASE_URL is not a valid URL/],
    [{ BASE_URL: 'https://mlkshk.example' }, /TRUST_PROXY is not set/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY=true would let any client forge its address/],
    [{ S3_ENDPOINT: 'http://s3:4568' }, /S3_ENDPOINT is set but S3_BUCKET is not/],
    [{ RATE_LIMIT_SIGN_IN: 'lots' }, /RATE_LIMIT_SIGN_IN must match pattern/],
    [
      { DATABASE_REPLICA_URLS: 'mysql://r/x' },
      /DATABASE_REPLICA_URLS needs a mysql:\/\/ DATABASE_URL/,
    ],
    [
      {
        DATABASE_URL: 'mysql://db/x',
        SESSION_SECRET: 's'.repeat(40),
        DATABASE_REPLICA_URLS: 'r:3306',
      },
      /DATABASE_REPLICA_URLS must be mysql:\/\/ URLs/,
    ],
    [{ REPLICA_MAX_LAG_SECONDS: '0' }, /REPLICA_MAX_LAG_SECONDS must be >= 0.5/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be equal to one of the allowed values/],
    [{ HEIF_DECODER_TIMEOUT_SECONDS: '0' }, /HEIF_DECODER_TIMEOUT_SECONDS must be >= 1/],
    [{ UPLOAD_MAX_BYTES: '20MB' }, /UPLOAD_MAX_BYTES must be integer/],
    [{ FAN_OUT_CHUNK: '50001' }, /FAN_OUT_CHUNK must be <= 50000/],
    [{ S3_FORCE_PATH_STYLE: 'yes please' }, /S3_FORCE_PATH_STYLE must be boolean/],
    [{ RATE_LIMIT_LIKE: '60/60;600/3600' }, /RATE_LIMIT_LIKE must match pattern/],
    [{ QUEUE_ALARM_SECONDS: '1e6' }, /QUEUE_ALARM_SECONDS must be <= 86400/],
  ]
  for (const [env, message] of refusals) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(
        () => loadConfig({ DATA_DIR: dataDir, ...env }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      )
    })
  }

  it('reads a .env file, with the real environment taking precedence', async () => {
    const file = path.join(dataDir, '.env')
    await writeFile(file, '# comment\nPORT=4000\nLOG_LEVEL=debug\nREDIS_URL=\n')
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, { dotenvFile: file })
    assert.equal(config.port, 4000)
    assert.equal(config.logLevel, 'warn')
    assert.equal(config.redisUrl, undefined)
    assert.equal(
      loadConfig({ DATA_DIR: dataDir }, { dotenvFile: path.join(dataDir, 'missing') }).port,
      3000,
    )
  })

  it('treats empty variables as unset', () => {
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' })
    assert.equal(config.embedded, true)
    assert.equal(config.redisUrl, undefined)
  })

  it('runs SQLite with REDIS_URL as its own mode: local database, Redis queue and limits', () => {
    const config = loadConfig({ DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:6379' })
    assert.equal(config.mode, 'sqlite-with-redis')
    assert.equal(config.database.dialect, 'sqlite')
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379')
    // Still a SQLite site: it migrates itself and may invent its session secret.
    assert.equal(config.embedded, true)
    assert.ok(config.sessionSecret.length >= 64)
    const mysql = { DATABASE_URL: 'mysql://db/x', SESSION_SECRET: 's'.repeat(40) }
    assert.equal(loadConfig({ DATA_DIR: dataDir, ...mysql }).mode, 'production')
    assert.equal(
      loadConfig({ DATA_DIR: dataDir, ...mysql, REDIS_URL: 'redis://r:6379' }).mode,
      'production',
    )
  })

  it('names every wrong variable at once', () => {
    assert.throws(
      () => loadConfig({ DATA_DIR: dataDir, PORT: '-1', MAGIC_THRESHOLD: 'many' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          'Invalid configuration: PORT must be >= 0, MAGIC_THRESHOLD must be integer',
    )
  })

  it('stops a process with a readable message and no stack trace', async () => {
    const script = "import { loadProcessConfig } from './src/config.ts'; loadProcessConfig()"
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: projectRoot, env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: 'eighty' } },
    )
    const failure = await run.then(
      () => assert.fail('started with PORT=eighty'),
      (error: { code: number; stderr: string }) => error,
    )
    assert.equal(failure.code, 1)
    assert.equal(failure.stderr.trim(), 'Invalid configuration: PORT must be integer')
  })

  it('has every variable in .env.example, and nothing else there', () => {
    const declared = [appEnvironment, nodePoolEnvironment].flatMap((schema) =>
      Object.keys(schema.properties),
    )
    const example = readFileSync(path.join(projectRoot, '.env.example'), 'utf8')
    const listed = [...example.matchAll(/^# ([A-Z0-9_]+)=/gm)].map((match) => match[1])
    assert.deepEqual([...listed].sort(), [...declared].sort())
  })
})
