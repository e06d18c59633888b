// Like benchmark, in production mode (web and worker processes, jobs through BullMQ on Redis):
//  1. like/unlike latency under 20 concurrent users (p50, p99), against the health check's
//     latency under the same load in the same run (the baseline: the same stack, no work);
//  2. the time from a like to its queued follow-up (the owner's notification) being done.
//
//   npm run bench:likes            (SQLite + Redis at REDIS_URL or redis://127.0.0.1:6379)
//   BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/ npm run bench:likes
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createConnection } from 'mysql2/promise'
import sharp from 'sharp'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrator.js'
import { projectRoot } from '../src/paths.js'
import { HttpClient as Client } from '../test/helpers/http-client.js'

const USERS = 20
const ROUNDS = 15
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function spawnProcess(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', script)], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  return port
}

/** Waits until the web process answers its health check (it logs at warn, so it says nothing). */
async function ready(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the web process exited')
    const ok = await fetch(`${base}/healthy/is-healthy`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the web process did not start')
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

async function timedConcurrently(
  clients: Client[],
  rounds: number,
  request: (client: Client, round: number) => Promise<unknown>,
) {
  const times: number[] = []
  await Promise.all(
    clients.map(async (client) => {
      for (let round = 0; round < rounds; round++) {
        const started = performance.now()
        await request(client, round)
        times.push(performance.now() - started)
      }
    }),
  )
  return times
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-bench-likes-'))
  const env: Record<string, string> = {
    DATA_DIR: path.join(work, 'data'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `bench${randomBytes(4).toString('hex')}`,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    RATE_LIMIT_CREATE_ACCOUNT: '100000/60',
    RATE_LIMIT_SIGN_IN: '100000/60',
    RATE_LIMIT_UPLOAD: '100000/60',
  }
  let dropDatabase = async () => {}
  const mysqlUrl = process.env.BENCH_DATABASE_URL
  if (mysqlUrl) {
    const name = `mlkshk_bench_${randomBytes(4).toString('hex')}`
    const conn = await createConnection({ uri: mysqlUrl })
    await conn.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`)
    await conn.end()
    const url = new URL(mysqlUrl)
    url.pathname = `/${name}`
    env.DATABASE_URL = url.toString()
    dropDatabase = async () => {
      const c = await createConnection({ uri: mysqlUrl })
      await c.query(`drop database \`${name}\``)
      await c.end()
    }
  } else {
    env.DATABASE_URL = `sqlite:${path.join(work, 'bench.sqlite')}`
  }
  const db = openDatabase(
    env.DATABASE_URL.startsWith('mysql')
      ? { dialect: 'mysql', url: env.DATABASE_URL }
      : { dialect: 'sqlite', file: env.DATABASE_URL.slice(7) },
  )
  await migrateToLatest(db)

  const web = spawnProcess('server.ts', env)
  const worker = spawnProcess('worker.ts', env)
  try {
    const base = `http://127.0.0.1:${env.PORT}`
    await ready(base, web)
    const poster = new Client(base)
    await poster.signUp('poster')
    const keys: string[] = []
    await poster.request('/tools/new-post')
    for (let i = 0; i < ROUNDS + 20; i++) {
      const image = await sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: i * 5, g: 100, b: 200 } },
      })
        .png()
        .toBuffer()
      const form = new FormData()
      form.append('title', `bench ${i}`)
      form.append('file', new Blob([image], { type: 'image/png' }), 'x.png')
      const posted = await poster.request(`/upload?_csrf=${encodeURIComponent(poster.csrf)}`, {
        method: 'POST',
        body: form,
      })
      keys.push((posted.location as string).slice(3))
    }
    const users = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const client = new Client(base)
        await client.signUp(`liker${i}`)
        return client
      }),
    )
    // Warm up both paths.
    await timedConcurrently(users, 2, (client) => client.request('/healthy/is-healthy'))
    await timedConcurrently(users, 2, (client, round) =>
      client.form(`/p/${keys[round]}/like`, {}, 'application/json'),
    )

    const health = await timedConcurrently(users, ROUNDS * 2, (client) =>
      client.request('/healthy/is-healthy'),
    )
    const likes = await timedConcurrently(users, ROUNDS * 2, (client, round) =>
      client.form(
        `/p/${keys[Math.floor(round / 2)]}/${round % 2 ? 'unlike' : 'like'}`,
        {},
        'application/json',
      ),
    )

    // From a like to its notification, one at a time so the clock is clean.
    const follow: number[] = []
    const probe = users[0] as Client
    const probeUser = await db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'liker0')
      .executeTakeFirstOrThrow()
    for (const key of keys.slice(ROUNDS, ROUNDS + 20)) {
      const postId = Number.parseInt(key, 36)
      const started = performance.now()
      await probe.form(`/p/${key}/like`, {}, 'application/json')
      for (;;) {
        const done = await db
          .selectFrom('notification')
          .select('id')
          .where('type', '=', 'favorite')
          .where('sender_id', '=', probeUser.id)
          .where('action_id', '=', postId)
          .executeTakeFirst()
        if (done) break
        if (performance.now() - started > 30_000) throw new Error('follow-up never done')
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      follow.push(performance.now() - started)
    }

    const round = (n: number) => Math.round(n * 10) / 10
    console.log(
      JSON.stringify(
        {
          database: mysqlUrl ? 'MariaDB/MySQL' : 'SQLite',
          concurrentUsers: USERS,
          likeRequests: likes.length,
          likeMs: { p50: round(percentile(likes, 50)), p99: round(percentile(likes, 99)) },
          healthBaselineMs: {
            p50: round(percentile(health, 50)),
            p99: round(percentile(health, 99)),
          },
          likeToHealthRatio: {
            p50: round(percentile(likes, 50) / percentile(health, 50)),
            p99: round(percentile(likes, 99) / percentile(health, 99)),
          },
          likeToFollowUpDoneMs: {
            p50: round(percentile(follow, 50)),
            p99: round(percentile(follow, 99)),
            samples: follow.length,
          },
        },
        null,
        2,
      ),
    )
  } finally {
    web.kill('SIGTERM')
    worker.kill('SIGTERM')
    await Promise.all([
      new Promise((r) => web.once('exit', r)),
      new Promise((r) => worker.once('exit', r)),
    ])
    await db.destroy()
    await dropDatabase()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
