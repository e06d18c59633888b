// The scale curve: the same page scenarios on data sets of different sizes, in one run. One
// web process per data set (no page cache), both on the server core; each page's variants run
// side by side in alternating rounds (page A at 1×, page A at 10×, page B at 1×, ...), so the
// machine's noise falls on every data set alike.
//
// Data sets are seeded into fresh databases and dropped afterwards, or, with `reuse`, kept
// under a fixed name (mlkshk_scale_10) with their seed result beside them in data/bench-scales/,
// so a developer seeds the 10× set (minutes) once.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createConnection } from 'mysql2/promise'
import { openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { projectRoot } from '../../src/paths.js'
import { shareKey } from '../../src/services/share-keys.js'
import { freePort } from '../../test/helpers/topology.js'
import { READER_NAME, type SeedResult, scaled, seedDatabase } from '../seed.js'
import { alternate, type Measured } from './load.js'
import { pinned } from './processes.js'
import { signIn, startWeb } from './web.js'

export interface ScaleDataSet {
  scale: number
  database: string
  url: string
  seeded: SeedResult
  seedSeconds: number | null
  /** Dropped at the end of the run (fresh), or kept for the next (reused or seeded to keep). */
  drop: boolean
}

const resultFile = (database: string) =>
  path.join(projectRoot, 'data', 'bench-scales', `${database}.json`)

/** The kept database of a scale: mlkshk_scale_1, mlkshk_scale_10, mlkshk_scale_0_2. */
export const keptDatabaseName = (scale: number) => `mlkshk_scale_${String(scale).replace('.', '_')}`

/**
 * A seeded database for each scale. With `reuse`, a kept database whose seed result is on file
 * and whose member count still matches is used as it is (migrated to the latest schema first);
 * anything else is seeded anew.
 */
export async function prepareDataSets(
  scales: number[],
  options: { mysqlServer: string; reuse: boolean; log: (line: string) => void },
): Promise<ScaleDataSet[]> {
  const server = await createConnection({ uri: options.mysqlServer })
  const sets: ScaleDataSet[] = []
  try {
    for (const scale of scales) {
      const database = options.reuse
        ? keptDatabaseName(scale)
        : `mlkshk_bench_${randomBytes(4).toString('hex')}_${String(scale).replace('.', '_')}`
      const url = new URL(options.mysqlServer)
      url.pathname = `/${database}`
      const db = openDatabase({ dialect: 'mysql', url: url.toString() })
      try {
        if (options.reuse) {
          const kept = await keptResult(server, database, scale)
          if (kept) {
            options.log(`scale ${scale}: reusing ${database}`)
            await migrateToLatest(db)
            sets.push({
              scale,
              database,
              url: url.toString(),
              seeded: kept,
              seedSeconds: null,
              drop: false,
            })
            continue
          }
          await server.query(`drop database if exists \`${database}\``)
        }
        await server.query(
          `create database \`${database}\` character set utf8mb4 collate utf8mb4_unicode_ci`,
        )
        options.log(`scale ${scale}: seeding ${database}`)
        await migrateToLatest(db)
        const began = performance.now()
        const seeded = await seedDatabase(db, scaled(scale), {
          log: (line) => options.log(`seed ${scale}× ${line}`),
        })
        const seedSeconds = Math.round((performance.now() - began) / 1000)
        if (options.reuse) {
          await mkdir(path.dirname(resultFile(database)), { recursive: true })
          await writeFile(resultFile(database), JSON.stringify(seeded, null, 2))
        }
        sets.push({
          scale,
          database,
          url: url.toString(),
          seeded,
          seedSeconds,
          drop: !options.reuse,
        })
      } finally {
        await db.destroy()
      }
    }
  } catch (error) {
    await dropDataSets(sets, options.mysqlServer)
    throw error
  } finally {
    await server.end()
  }
  return sets
}

async function keptResult(
  server: Awaited<ReturnType<typeof createConnection>>,
  database: string,
  scale: number,
): Promise<SeedResult | null> {
  const seeded = await readFile(resultFile(database), 'utf8').then(
    (text) => JSON.parse(text) as SeedResult,
    () => null,
  )
  if (!seeded || seeded.counts.users !== scaled(scale).users) return null
  const [rows] = await server
    .query(`select count(*) as n from \`${database}\`.user`)
    .catch(() => [[{ n: -1 }]])
  // Every member plus the hot account.
  return Number((rows as Array<{ n: number }>)[0]?.n) === seeded.counts.users + 1 ? seeded : null
}

export async function dropDataSets(sets: ScaleDataSet[], mysqlServer: string): Promise<void> {
  const server = await createConnection({ uri: mysqlServer })
  for (const set of sets.filter((s) => s.drop))
    await server.query(`drop database if exists \`${set.database}\``).catch(() => {})
  await server.end()
}

export interface CurveRow {
  path: string
  figure: string
  ratio: string
  goal: string
  met: boolean | undefined
}

const round1 = (x: number) => Math.round(x * 10) / 10
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000

/**
 * Runs the page scenarios on every data set and compares each larger one with the smallest:
 * uncached throughput (goal ≥ 0.80 of the smallest) and p99 (goal ≤ 1.5×).
 */
export async function runScaleCurve(
  sets: ScaleDataSet[],
  options: { rounds: number; seconds: number; dataDir: string; env: Record<string, string> },
): Promise<{ rows: CurveRow[]; results: Record<string, unknown> }> {
  const redisPort = await freePort()
  pinned(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  )
  const webs = []
  for (const set of sets) {
    const web = await startWeb(`web at scale ${set.scale}`, {
      ...options.env,
      DATABASE_URL: set.url,
      DATA_DIR: path.join(options.dataDir, `scale-${set.scale}`),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PREFIX: `curve${String(set.scale).replace('.', '_')}`,
      PAGE_CACHE_SECONDS: '0',
    })
    const reader = await signIn(web.base, READER_NAME)
    webs.push({ set, web, reader })
  }
  const pages = (seeded: SeedResult) => ({
    post: {
      path: `/p/${shareKey(seeded.busyPostId)}`,
      label: 'anonymous /p/KEY (busiest recent post)',
    },
    user: {
      path: `/user/${seeded.busiestUserName}`,
      label: 'anonymous /user/NAME (busiest poster)',
    },
    popular: { path: '/popular', label: 'anonymous /popular' },
    incoming: { path: '/incoming', label: 'anonymous /incoming' },
    home: { path: '/', label: 'signed-in / of reader (500 shakes)', signedIn: true },
    hotPost: {
      path: `/p/${shareKey(seeded.hotPostId)}`,
      label: 'anonymous /p/KEY of the hot post',
      size: `${seeded.counts.hotLikes} likes`,
    },
    hotUser: {
      path: `/user/${seeded.hotAccountName}`,
      label: `anonymous /user/${seeded.hotAccountName}`,
      size: `${seeded.counts.hotFollowers} followers`,
    },
  })
  const variants: Record<
    string,
    { url: string; seconds: number; headers?: Record<string, string> }
  > = {}
  const bytes: Record<string, number> = {}
  for (const name of Object.keys(pages(sets[0]?.seeded as SeedResult))) {
    for (const { set, web, reader } of webs) {
      const page = pages(set.seeded)[name as keyof ReturnType<typeof pages>]
      const headers = 'signedIn' in page ? { Cookie: reader.cookie } : undefined
      // A page that does not answer 200 would measure an error page.
      const response = await fetch(`${web.base}${page.path}`, { headers })
      bytes[`${name}@${set.scale}`] = (await response.arrayBuffer()).byteLength
      if (response.status !== 200)
        throw new Error(`${page.path} at scale ${set.scale}: ${response.status}`)
      variants[`${name}@${set.scale}`] = {
        url: `${web.base}${page.path}`,
        seconds: options.seconds,
        ...(headers ? { headers } : {}),
      }
    }
  }
  const measured = await alternate(variants, options.rounds)
  const kb = (variant: string) => Math.round((bytes[variant] ?? 0) / 1024)
  const rows: CurveRow[] = []
  const [base, ...larger] = sets
  if (!base) return { rows, results: { measured, bytes } }
  for (const [name, page] of Object.entries(pages(base.seeded))) {
    const low = measured[`${name}@${base.scale}`] as Measured
    for (const set of larger) {
      const high = measured[`${name}@${set.scale}`] as Measured
      const top = pages(set.seeded)[name as keyof ReturnType<typeof pages>]
      const sizes = 'size' in page && 'size' in top ? ` (${top.size} vs ${page.size})` : ''
      const label = `${page.label}${sizes}, ${set.scale}× ÷ ${base.scale}×`
      const throughput = ratio(high.rps, low.rps)
      const p99 = ratio(high.p99Ms, low.p99Ms)
      rows.push({
        path: `${label}: uncached throughput`,
        figure: `${Math.round(high.rps)} vs ${Math.round(low.rps)} req/s (c=50; page ${kb(`${name}@${set.scale}`)} vs ${kb(`${name}@${base.scale}`)} KB)`,
        ratio: String(throughput),
        goal: '≥ 0.80',
        met: throughput >= 0.8 && high.errors + low.errors === 0,
      })
      rows.push({
        path: `${label}: p99`,
        figure: `${round1(high.p99Ms)} vs ${round1(low.p99Ms)} ms (p50 ${round1(high.p50Ms)} vs ${round1(low.p50Ms)})`,
        ratio: `${p99}×`,
        goal: '≤ 1.5×',
        met: p99 <= 1.5 && high.errors + low.errors === 0,
      })
    }
  }
  return { rows, results: { measured, bytes } }
}
