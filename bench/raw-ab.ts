// The 136 KB raw-file scenario of bench/run.ts for two checkouts side by side (before: ROOT_A,
// after: ROOT_B), on one small seeded MySQL database: each side's web processes and nginx from
// its own code and template, every variant in alternating rounds.
//   npx tsx bench/raw-ab.ts ROOT_A ROOT_B [rounds] [seconds]
// HOLD=FILE: start everything, write the URLs to FILE and wait for SIGINT (for measuring by hand).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createConnection } from 'mysql2/promise'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrator.js'
import { freePort } from '../test/helpers/topology.js'
import { rawFixtures } from './harness/fixtures.js'
import { alternate } from './harness/load.js'
import { startBenchNginx } from './harness/nginx.js'
import { CLIENT_CORE, pinned, stopAll, waitFor } from './harness/processes.js'
import { scaled, seedDatabase } from './seed.js'

const [rootA = process.cwd(), rootB = process.cwd(), roundsArg = '3', secondsArg = '5'] =
  process.argv.slice(2)
const mysqlServer = 'mysql://root@127.0.0.1:3306/'
const log = (line: string) =>
  console.log(`raw-ab ${new Date().toISOString().slice(11, 19)} ${line}`)

async function main() {
  execFileSync('taskset', ['-p', '-c', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' })
  const work = await mkdtemp(path.join(os.tmpdir(), 'raw-ab-'))
  await chmod(work, 0o755)
  const dirs = {
    data: path.join(work, 'data'),
    files: path.join(work, 'data', 'files'),
    staticRoot: path.join(work, 'static'),
    bucket: path.join(work, 's3', 'bench'),
  }
  const dbName = `raw_ab_${randomBytes(4).toString('hex')}`
  const server = await createConnection({ uri: mysqlServer })
  await server.query(`create database \`${dbName}\` character set utf8mb4`)
  const url = new URL(mysqlServer)
  url.pathname = `/${dbName}`
  try {
    const db = openDatabase({ dialect: 'mysql', url: url.toString() })
    await migrateToLatest(db)
    await seedDatabase(db, scaled(0.005), {
      filesRoot: dirs.files,
      poolDir: path.join(rootB, 'data', 'seed-pool'),
      log: () => {},
    })
    const fixtures = await rawFixtures(db, dirs, 2)
    await db.destroy()
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url.toString(),
      SESSION_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: dirs.data,
      BASE_URL: 'http://127.0.0.1',
      TRUST_PROXY: '127.0.0.1',
      PAGE_CACHE_SECONDS: '5',
    }
    const sides: Record<string, { local: string; s3: string; s3direct: string; static: string }> =
      {}
    for (const [label, root] of [
      ['A', rootA],
      ['B', rootB],
    ] as const) {
      const s3Port = await freePort()
      const start = async (name: string, extra: Record<string, string>) => {
        const port = await freePort()
        const child = pinned(
          process.execPath,
          ['--import', 'tsx', path.join(root, 'src/server.ts')],
          { ...env, ...extra, PORT: String(port) },
          { cwd: root },
        )
        await waitFor(`http://127.0.0.1:${port}/healthy/alive`, child, name)
        return port
      }
      const nginx = async (name: string, appPort: number, locations: string, servers: string) =>
        (
          await startBenchNginx({
            root,
            dir: path.join(work, `${label}-${name}`),
            appPort,
            staticRoot: dirs.staticRoot,
            filesRoot: dirs.files,
            locations,
            servers,
            name: `${label} nginx`,
          })
        ).base
      const viewLog = (name: string) => path.join(work, `${label}-${name}`, 'views.log')
      const localPort = await start(`${label} local`, {
        X_ACCEL_LOCAL_FILES: 'true',
        VIEW_LOG_FILE: viewLog('local'),
      })
      const s3AppPort = await start(`${label} s3`, {
        S3_BUCKET: 'bench',
        S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        S3_ACCESS_KEY_ID: 'bench',
        S3_SECRET_ACCESS_KEY: 'bench-secret',
        S3_FORCE_PATH_STYLE: 'true',
        VIEW_LOG_FILE: viewLog('s3'),
      })
      const local = await nginx('local', localPort, '', '')
      const s3 = await nginx(
        's3',
        s3AppPort,
        `    location /bench-s3/ {
      proxy_pass http://127.0.0.1:${s3Port}/bench/;
      proxy_cache files;
      proxy_cache_key $uri;
      proxy_cache_valid 200 7d;
      proxy_cache_lock on;
    }
`,
        `  server {
    listen 127.0.0.1:${s3Port};
    access_log off;
    location /bench/ { alias ${dirs.bucket}/; }
  }
`,
      )
      const fixture = fixtures.find((f) => f.name === '136k')
      if (!fixture) throw new Error('no fixture')
      sides[label] = {
        local: `${local}/r/${fixture.key}`,
        static: `${local}/static/${fixture.name}.jpg`,
        s3: `${s3}/r/${fixture.key}`,
        s3direct: `${s3}/bench-s3/${fixture.storageKey}`,
      }
      for (const [k, u] of Object.entries(sides[label])) {
        const r = await fetch(u)
        const n = (await r.arrayBuffer()).byteLength
        log(`${label} ${k} ${r.status} ${n} bytes (fixture ${fixture.bytes})`)
      }
    }
    if (process.env.HOLD) {
      await writeFile(process.env.HOLD, JSON.stringify({ sides, work }, null, 1))
      log(`holding; sides in ${process.env.HOLD}`)
      await new Promise((resolve) => process.once('SIGINT', resolve))
      return
    }
    const variants: Record<string, { url: string; seconds: number }> = {}
    const seconds = Number(secondsArg)
    for (const [label, s] of Object.entries(sides))
      for (const [k, u] of Object.entries(s)) variants[`${label}.${k}`] = { url: u, seconds }
    const r = await alternate(variants, Number(roundsArg))
    for (const [k, v] of Object.entries(r))
      log(`${k}: ${Math.round(v.rps)} req/s p99 ${v.p99Ms.toFixed(1)} ms errors ${v.errors}`)
    for (const label of ['A', 'B']) {
      const x = (k: string) => r[`${label}.${k}`]?.rps as number
      log(
        `${label}: local/static ${(x('local') / x('static')).toFixed(3)}  s3/s3direct ${(x('s3') / x('s3direct')).toFixed(3)}`,
      )
    }
  } finally {
    await stopAll()
    await server.query(`drop database \`${dbName}\``)
    await server.end()
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    stopAll().finally(() => process.exit(1))
  },
)
