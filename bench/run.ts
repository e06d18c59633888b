// The benchmark harness: one command that starts everything the scenarios need on a fresh
// seeded MySQL/MariaDB database, pins the server side to one core and the load generator (wrk)
// to the other, runs each scenario beside its baseline in alternating rounds, and writes the
// medians and ratios as JSON and a markdown table under bench/results/.
//
//   npm run bench                          (MariaDB at BENCH_MYSQL_URL, default root@127.0.0.1)
//   npm run bench -- --rounds 2 --seconds 3 --scale 0.1     (a quick check of the harness)
//   npm run bench -- --scales 1,10 --reuse --scale-curve-only
//                                          (the page scenarios at 1× and 10× data, side by side;
//                                           see harness/scale-curve.ts)
//   npm run bench -- --fan-out-only        (a post by an account with 100,000 followers:
//                                           see harness/fan-out.ts)
//   npm run bench -- --writes-only         (likes, saves, the flood of likes, then the fan-out)
//
// Server side (core 1): the web processes, the worker, Redis (private, random port), nginx (one
// worker, from the production template), the baselines. Client side (core 0): this process and
// wrk. MariaDB is the machine's own server and is not pinned.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createConnection } from 'mysql2/promise'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrator.js'
import { projectRoot } from '../src/paths.js'
import { outboxHealth } from '../src/repositories/outbox.js'
import { shareKey } from '../src/services/share-keys.js'
import { freePort } from '../test/helpers/topology.js'
import { runFanOut } from './harness/fan-out.js'
import { rawFixtures } from './harness/fixtures.js'
import { alternate, load, type Measured, runsWithErrors } from './harness/load.js'
import { startBenchNginx } from './harness/nginx.js'
import { openLoopFloor, openLoopLikes, pairedOpenLoopLikes } from './harness/open-loop.js'
import {
  CLIENT_CORE,
  compiled,
  memoryMb,
  pinned,
  SERVER_CORE,
  stopAll,
  waitFor,
} from './harness/processes.js'
import { dropDataSets, prepareDataSets, runScaleCurve } from './harness/scale-curve.js'
import { signIn, startWeb } from './harness/web.js'
import { READER_NAME, type SeedResult, scaled, seedDatabase } from './seed.js'
import { uploadBench } from './upload.js'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    scale: { type: 'string', default: '1' },
    'upload-runs': { type: 'string', default: '5' },
    'image-jobs': { type: 'string', default: '1000' },
    /** Data-set sizes for the scale curve, e.g. 1,10; the smallest is the reference. */
    scales: { type: 'string', default: '' },
    /** Keep the scale curve's databases (mlkshk_scale_N) and use them again next time. */
    reuse: { type: 'boolean', default: false },
    /** Only the scale curve (with --scales). */
    'scale-curve-only': { type: 'boolean', default: false },
    /** Only the fan-out section, on one data set of --scale (seeded, one web process, the worker). */
    'fan-out-only': { type: 'boolean', default: false },
    /** Only likes, saves, the flood of likes and the fan-out (see writesOnly). */
    'writes-only': { type: 'boolean', default: false },
    /** Posts per poster in the fan-out section (one more each as a warm-up). */
    'fan-out-posts': { type: 'string', default: '6' },
  },
})
const ROUNDS = Number(args.rounds)
const SECONDS = Number(args.seconds)
const SCALES = (args.scales ?? '')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b)
if (SCALES.some((scale) => !(scale > 0))) throw new Error(`--scales: ${args.scales}`)
if (args['scale-curve-only'] && SCALES.length < 2)
  throw new Error('--scale-curve-only needs --scales with two sizes or more')
const mysqlServer = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/'
const SESSION_SECRET = randomBytes(32).toString('hex')
/** The web processes' environment, less the database, Redis and data folder of each. */
const appEnv: Record<string, string> = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SESSION_SECRET,
  BASE_URL: 'http://127.0.0.1',
  TRUST_PROXY: '127.0.0.1',
  MALLOC_ARENA_MAX: '2',
  RATE_LIMIT_SIGN_IN: '100000/60',
  RATE_LIMIT_UPLOAD: '100000/60',
  // The benchmark's few users write far faster than people: measure the write path, not
  // the per-user limits (whose counting still runs on every write).
  RATE_LIMIT_LIKE: '10000000/60',
  RATE_LIMIT_COMMENT: '10000000/60',
  RATE_LIMIT_SAVE: '10000000/60',
  RATE_LIMIT_FOLLOW: '10000000/60',
}

/** A script of the repository, run compiled from dist/ (built at the first use). */
const node = (script: string) => compiled(script)

const log = (line: string) => console.log(`bench ${new Date().toISOString().slice(11, 19)} ${line}`)

/** nginx from the production template: one worker, in front of one web process. */
function startNginx(
  dir: string,
  appPort: number,
  values: { staticRoot: string; filesRoot: string; locations: string; servers: string },
) {
  return startBenchNginx({ root: projectRoot, dir, appPort, ...values })
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000
const round1 = (x: number) => Math.round(x * 10) / 10

interface Row {
  path: string
  figure: string
  ratio: string
  goal: string
  met: boolean | undefined
}

const rows: Row[] = []
const results: Record<string, unknown> = {}
const startedAt = new Date()

/** Writes what has been measured so far (after every section, so a stopped run leaves its figures). */
async function writeReport(note = ''): Promise<string> {
  const machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    nginx: spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim(),
  }
  const table = [
    '| path | figure | ratio | goal | met |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.path} | ${r.figure} | ${r.ratio} | ${r.goal} | ${r.met === undefined ? '–' : r.met ? 'yes' : '**no**'} |`,
    ),
  ].join('\n')
  const header = `Run of ${startedAt.toISOString()}: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GiB, Node ${machine.node}; server side on core ${SERVER_CORE}, wrk on core ${CLIENT_CORE}; ${ROUNDS} alternating rounds of ${SECONDS} s, medians; c=50 unless said.`
  await mkdir(path.join(projectRoot, 'bench', 'results'), { recursive: true })
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  await writeFile(
    path.join(projectRoot, 'bench', 'results', `bench-${stamp}.json`),
    JSON.stringify(
      { machine, rounds: ROUNDS, seconds: SECONDS, results, rows, runsWithErrors, note },
      null,
      2,
    ),
  )
  const errors = runsWithErrors.length
    ? `Runs with errors (socket errors, timeouts or non-2xx/3xx answers): ${runsWithErrors.join('; ')}`
    : 'No run saw an error or a non-2xx/3xx answer.'
  const markdown = `${header}\n\n${table}\n\n${errors}\n${note ? `\n${note}\n` : ''}`
  await writeFile(path.join(projectRoot, 'bench', 'results', `bench-${stamp}.md`), markdown)
  await writeFile(path.join(projectRoot, 'bench', 'results', 'latest.md'), markdown)
  return markdown
}

/** Starts a section: the report so far is on disk first. */
async function section(name: string): Promise<void> {
  await writeReport(`(still running: ${name})`)
  log(name)
}

async function main() {
  // This process and wrk are the client side.
  execFileSync('taskset', ['-p', '-c', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' })
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-bench-run-'))
  await rm(work, { recursive: true, force: true })
  await mkdir(work, { recursive: true, mode: 0o755 })
  const cleanups: Array<() => Promise<void>> = []
  let failure = ''
  try {
    const writes = args['fan-out-only'] || args['writes-only']
    if (writes) await writesOnly(work, cleanups)
    else if (!args['scale-curve-only']) await fullBench(work, cleanups)
    if (SCALES.length > 0 && !writes) await scaleCurve(work, cleanups)
  } catch (error) {
    failure = `The run stopped early: ${(error as Error).message}`
    throw error
  } finally {
    await writeReport(failure).then((markdown) => console.log(`\n${markdown}`))
    await stopAll()
    for (const cleanup of cleanups) await cleanup().catch(() => {})
    await rm(work, { recursive: true, force: true })
  }
}

/** Everything but the scale curve, on one data set of `--scale`. */
async function fullBench(work: string, cleanups: Array<() => Promise<void>>) {
  const dirs = {
    data: path.join(work, 'data'),
    files: path.join(work, 'data', 'files'),
    staticRoot: path.join(work, 'static'),
    bucket: path.join(work, 's3', 'bench'),
  }
  const { dbName, databaseUrl } = await freshDatabase(cleanups)
  // 1. Data: the seeded set plus the raw-file fixtures.
  log(`seeding ${dbName} (scale ${args.scale})`)
  const db = openDatabase({ dialect: 'mysql', url: databaseUrl.toString() })
  await migrateToLatest(db)
  const seedStarted = performance.now()
  const seeded: SeedResult = await seedDatabase(db, scaled(Number(args.scale)), {
    filesRoot: dirs.files,
    poolDir: path.join(projectRoot, 'data', 'seed-pool'),
    log: (line) => log(`seed ${line}`),
  })
  results.seed = { ...seeded, seconds: Math.round((performance.now() - seedStarted) / 1000) }
  const fixtures = await rawFixtures(db, dirs, 2)
  await db.destroy()

  // 2. Server side.
  const redisPort = await startRedis()
  const s3Port = await freePort()
  const env: Record<string, string> = {
    ...appEnv,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    REDIS_PREFIX: 'bench',
    DATA_DIR: dirs.data,
  }
  log('starting web processes, worker, nginx')
  const plain = await startWeb('web (no page cache, app streams files)', {
    ...env,
    PAGE_CACHE_SECONDS: '0',
  })
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const webIdle = await memoryMb(plain.child.pid as number)
  const cached = await startWeb('web (page cache, X-Accel local files)', {
    ...env,
    PAGE_CACHE_SECONDS: '5',
    X_ACCEL_LOCAL_FILES: 'true',
    // nginx keeps /r/ answers only while the app counts the views it answered.
    VIEW_LOG_FILE: path.join(work, 'nginx-local', 'views.log'),
  })
  const s3 = await startWeb('web (page cache, S3)', {
    ...env,
    PAGE_CACHE_SECONDS: '5',
    S3_BUCKET: 'bench',
    S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    S3_ACCESS_KEY_ID: 'bench',
    S3_SECRET_ACCESS_KEY: 'bench-secret',
    S3_FORCE_PATH_STYLE: 'true',
    VIEW_LOG_FILE: path.join(work, 'nginx-s3', 'views.log'),
  })
  const worker = startWorker(env)
  const nginxValues = { staticRoot: dirs.staticRoot, filesRoot: dirs.files }
  const nginxLocal = await startNginx(path.join(work, 'nginx-local'), cached.port, {
    ...nginxValues,
    locations: '',
    servers: '',
  })
  // The S3 stand-in is nginx serving the bucket folder (path-style, presigned query ignored);
  // /bench-s3/ proxies the same objects directly, with the same file cache as /_files/.
  const nginxS3 = await startNginx(path.join(work, 'nginx-s3'), s3.port, {
    ...nginxValues,
    locations: `    location /bench-s3/ {
    proxy_pass http://127.0.0.1:${s3Port}/bench/;
    proxy_cache files;
    proxy_cache_key $uri;
    proxy_cache_valid 200 7d;
    proxy_cache_lock on;
  }
`,
    servers: `  server {
  listen 127.0.0.1:${s3Port};
  access_log off;
  location /bench/ { alias ${dirs.bucket}/; }
}
`,
  })

  // 3. The pages, and the same bytes pre-rendered for the baseline.
  const reader = await signIn(plain.base, READER_NAME)
  const pages: Record<string, { path: string; signedIn?: boolean }> = {
    post: { path: `/p/${shareKey(seeded.busyPostId)}` },
    user: { path: `/user/${seeded.busiestUserName}` },
    popular: { path: '/popular' },
    incoming: { path: '/incoming' },
    home: { path: '/', signedIn: true },
  }
  const pageFiles: string[] = []
  const pageBytes: Record<string, number> = {}
  await mkdir(path.join(work, 'pages'))
  for (const [name, page] of Object.entries(pages)) {
    const response = await fetch(`${plain.base}${page.path}`, {
      headers: page.signedIn ? { cookie: reader.cookie } : {},
    })
    if (response.status !== 200) throw new Error(`${page.path}: ${response.status}`)
    const html = await response.text()
    pageBytes[name] = Buffer.byteLength(html)
    const file = path.join(work, 'pages', `${name}.html`)
    await writeFile(file, html)
    pageFiles.push(file)
  }
  const helloUrl = await startHello()
  const [bp, ...ba] = node('bench/harness/baseline-server.ts')
  const fastifyPort = await freePort()
  const fastify = pinned(
    bp as string,
    [...ba, 'fastify', String(fastifyPort), ...pageFiles],
    {},
    {
      cwd: projectRoot,
    },
  )
  const fastifyBase = `http://127.0.0.1:${fastifyPort}`
  await waitFor(`${fastifyBase}/hello`, fastify, 'bare Fastify')
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const fastifyIdle = await memoryMb(fastify.pid as number)
  const seconds = SECONDS

  // 4. Cheapest route vs bare node:http.
  await section('cheapest route')
  const cheapest = await alternate(
    {
      hello: { url: helloUrl, seconds },
      fastify: { url: `${fastifyBase}/hello`, seconds },
      app: { url: `${plain.base}/healthy/alive`, seconds },
    },
    ROUNDS,
  )
  results.cheapest = cheapest
  const helloRps = cheapest.hello?.rps as number
  rows.push({
    path: 'cheapest app route (/healthy/alive) ÷ bare node:http',
    figure: `${Math.round(cheapest.app?.rps ?? 0)} vs ${Math.round(helloRps)} req/s (bare Fastify ${Math.round(cheapest.fastify?.rps ?? 0)})`,
    ratio: String(ratio(cheapest.app?.rps ?? 0, helloRps)),
    goal: '≥ 0.85',
    met: ratio(cheapest.app?.rps ?? 0, helloRps) >= 0.85 && cheapest.app?.errors === 0,
  })

  // 5. Pages: uncached, cached, pre-rendered, against hello in the same rounds.
  await section('pages')
  const variants: Record<
    string,
    { url: string; seconds: number; headers?: Record<string, string> }
  > = {
    hello: { url: helloUrl, seconds },
  }
  for (const [name, page] of Object.entries(pages)) {
    const headers = page.signedIn ? { Cookie: reader.cookie } : undefined
    variants[`${name}:uncached`] = {
      url: `${plain.base}${page.path}`,
      seconds,
      ...(headers ? { headers } : {}),
    }
    if (!page.signedIn) variants[`${name}:cached`] = { url: `${cached.base}${page.path}`, seconds }
    variants[`${name}:prerendered`] = { url: `${fastifyBase}/page/${name}`, seconds }
  }
  const pageResults = await alternate(variants, ROUNDS)
  results.pages = { ...pageResults, pageBytes }
  const pagesHello = pageResults.hello?.rps as number
  const webLoaded = await memoryMb(plain.child.pid as number)
  for (const [name, page] of Object.entries(pages)) {
    const uncached = pageResults[`${name}:uncached`] as Measured
    const pre = pageResults[`${name}:prerendered`] as Measured
    rows.push({
      path: `${page.signedIn ? 'signed-in' : 'anonymous'} ${page.path} uncached ÷ hello (${Math.round((pageBytes[name] ?? 0) / 1024)} KB)`,
      figure: `${Math.round(uncached.rps)} req/s, p99 ${round1(uncached.p99Ms)} ms at c=50; pre-rendered ${Math.round(pre.rps)} (${ratio(pre.rps, pagesHello)})`,
      ratio: String(ratio(uncached.rps, pagesHello)),
      goal: '≥ 0.015',
      met: ratio(uncached.rps, pagesHello) >= 0.015 && uncached.errors === 0,
    })
    const hit = pageResults[`${name}:cached`]
    if (hit)
      rows.push({
        path: `anonymous ${page.path} with the page cache ÷ hello`,
        figure: `${Math.round(hit.rps)} req/s (pre-rendered by Fastify ${ratio(pre.rps, pagesHello)})`,
        ratio: String(ratio(hit.rps, pagesHello)),
        goal: '≥ 0.50',
        met: ratio(hit.rps, pagesHello) >= 0.5 && hit.errors === 0,
      })
  }

  // 6. Full uncached page at fixed concurrency.
  await section('latency at fixed concurrency')
  const postUrl = `${plain.base}${pages.post?.path}`
  const c1 = await load(postUrl, { connections: 1, seconds })
  const c10 = await load(postUrl, { connections: 10, seconds })
  results.latency = { c1, c10 }
  rows.push({
    path: `full uncached page ${pages.post?.path} p99 at c=1 / c=10`,
    figure: `${round1(c1.p99Ms)} ms / ${round1(c10.p99Ms)} ms (p50 ${round1(c1.p50Ms)} / ${round1(c10.p50Ms)})`,
    ratio: '–',
    goal: 'c=1 ≤ 10 ms; c=10 ≤ 50 ms',
    met: c1.p99Ms <= 10 && c10.p99Ms <= 50 && c1.errors + c10.errors === 0,
  })

  // 7. Render alone vs JSON.stringify, and its share of the page's cost.
  await section('render alone')
  const [rp, ...ra] = node('bench/harness/render.ts')
  const renderOut = execFileSync(
    'taskset',
    ['-c', SERVER_CORE, rp as string, ...ra, shareKey(seeded.busyPostId)],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ...env, PORT: '0' },
      encoding: 'utf8',
    },
  )
  const renderResult = JSON.parse(renderOut.trim().split('\n').at(-1) as string) as {
    renderUs: number
    stringifyUs: number
    htmlBytes: number
  }
  const postPageUs = 1e6 / (pageResults['post:uncached']?.rps as number)
  const renderShare = renderResult.renderUs / postPageUs
  results.render = { ...renderResult, postPageUs, renderShare }
  rows.push({
    path: 'render alone (post page, data in memory) ÷ JSON.stringify of it',
    figure: `${Math.round(renderResult.renderUs)} µs vs ${round1(renderResult.stringifyUs)} µs; render is ${Math.round(renderShare * 100)}% of the uncached page (${Math.round(postPageUs)} µs)`,
    ratio: `${round1(renderResult.renderUs / renderResult.stringifyUs)}×`,
    goal: 'render ≤ 35% of page cost',
    met: renderShare <= 0.35,
  })

  // 8. Raw files.
  await section('raw files')
  for (const fixture of fixtures) {
    const urls = {
      xAccelLocal: `${nginxLocal.base}/r/${fixture.key}`,
      nginxStatic: `${nginxLocal.base}/static/${fixture.name}.jpg`,
      xAccelS3: `${nginxS3.base}/r/${fixture.key}`,
      nginxProxyS3: `${nginxS3.base}/bench-s3/${fixture.storageKey}`,
      nodeStreaming: `${plain.base}/r/${fixture.key}`,
    }
    // Every path must send the same bytes, or its figure means nothing.
    const wrong: string[] = []
    for (const [name, url] of Object.entries(urls)) {
      const response = await fetch(url)
      const body = await response.arrayBuffer()
      if (response.status !== 200 || body.byteLength !== fixture.bytes)
        wrong.push(`${name}: ${response.status}, ${body.byteLength} bytes`)
    }
    if (wrong.length > 0) {
      rows.push({
        path: `/r/KEY ${fixture.name}`,
        figure: `not measured: ${wrong.join('; ')}`,
        ratio: '–',
        goal: '–',
        met: false,
      })
      continue
    }
    const raw = await alternate(
      {
        xAccelLocal: { url: `${nginxLocal.base}/r/${fixture.key}`, seconds },
        nginxStatic: { url: `${nginxLocal.base}/static/${fixture.name}.jpg`, seconds },
        xAccelS3: { url: `${nginxS3.base}/r/${fixture.key}`, seconds },
        nginxProxyS3: { url: `${nginxS3.base}/bench-s3/${fixture.storageKey}`, seconds },
        nodeStreaming: { url: `${plain.base}/r/${fixture.key}`, seconds },
      },
      ROUNDS,
    )
    results[`raw${fixture.name}`] = raw
    const r = (n: string) => raw[n]?.rps as number
    const goal = fixture.name === '136k' ? 0.7 : 0.85
    rows.push({
      path: `/r/KEY ${Math.round(fixture.bytes / 1024)} KB via X-Accel (local files) ÷ nginx static`,
      figure: `${Math.round(r('xAccelLocal'))} vs ${Math.round(r('nginxStatic'))} req/s; Node streaming ${Math.round(r('nodeStreaming'))} (${ratio(r('nodeStreaming'), r('nginxStatic'))})`,
      ratio: String(ratio(r('xAccelLocal'), r('nginxStatic'))),
      goal: `≥ ${goal}`,
      met: ratio(r('xAccelLocal'), r('nginxStatic')) >= goal && raw.xAccelLocal?.errors === 0,
    })
    rows.push({
      path: `/r/KEY ${Math.round(fixture.bytes / 1024)} KB via X-Accel (S3 stand-in) ÷ nginx proxying it directly`,
      figure: `${Math.round(r('xAccelS3'))} vs ${Math.round(r('nginxProxyS3'))} req/s`,
      ratio: String(ratio(r('xAccelS3'), r('nginxProxyS3'))),
      goal: '≥ 0.80',
      met: ratio(r('xAccelS3'), r('nginxProxyS3')) >= 0.8 && raw.xAccelS3?.errors === 0,
    })
  }

  // 9. Like and save POSTs, like -> count visible at 200 likes/s, and the flood.
  await writesSection({ base: plain.base, helloUrl, seeded, databaseUrl, work, env })
  // 10. A post by an account with 100,000 followers; a like on the hot post.
  await fanOutSection(databaseUrl, plain.base, worker.pid as number, seeded, work)

  // 11. Memory of the web process.
  rows.push({
    path: 'web RSS idle ÷ bare Fastify idle',
    figure: `${Math.round(webIdle.rss)} MB vs ${Math.round(fastifyIdle.rss)} MB`,
    ratio: String(ratio(webIdle.rss, fastifyIdle.rss)),
    goal: '≤ 1.6',
    met: webIdle.rss / fastifyIdle.rss <= 1.6,
  })
  rows.push({
    path: 'web RSS loaded (peak through the page scenarios)',
    figure: `${Math.round(webLoaded.peak)} MB`,
    ratio: '–',
    goal: '≤ 200 MB',
    met: webLoaded.peak <= 200,
  })
  results.memory = { webIdle, webLoaded, fastifyIdle }

  // 12. Upload and image jobs (the load generator is idle meanwhile).
  await section('upload')
  const upload = await uploadBench(Number(args['upload-runs']), SERVER_CORE)
  results.upload = upload
  rows.push({
    path: '12 MP upload, full ingest ÷ sharp alone making the same renditions',
    figure: `${upload.appMedianMs} ms vs ${upload.sharpAloneMedianMs} ms (web peak RSS ${upload.webPeakRssMb} MB)`,
    ratio: `${upload.ratio}×`,
    goal: '≤ 1.5×',
    met: upload.ratio <= 1.5,
  })
  await section('image jobs')
  const [ip, ...ia] = node('bench/harness/image-jobs.ts')
  const imageOut = execFileSync(
    'taskset',
    ['-c', SERVER_CORE, ip as string, ...ia, args['image-jobs'] as string],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', MALLOC_ARENA_MAX: '2' },
      encoding: 'utf8',
    },
  )
  const images = JSON.parse(imageOut.trim().split('\n').at(-1) as string) as {
    jobs: number
    rssAfter100Mb: number
    rssAfterAllMb: number
    msPerJob: number
  }
  results.imageJobs = images
  rows.push({
    path: `image-job process RSS after ${images.jobs} ÷ after 100 jobs (MALLOC_ARENA_MAX=2)`,
    figure: `${Math.round(images.rssAfterAllMb)} MB vs ${Math.round(images.rssAfter100Mb)} MB (${Math.round(images.msPerJob)} ms/job)`,
    ratio: String(ratio(images.rssAfterAllMb, images.rssAfter100Mb)),
    goal: '≤ 1.25',
    met: images.rssAfterAllMb / images.rssAfter100Mb <= 1.25,
  })
}

/**
 * Likes and saves: POSTs at c=10 against hello, like -> count visible at 200 likes/s, and the
 * flood of 1,000 likes/s (every answered like stored, the queue drained).
 */
async function writesSection(run: {
  base: string
  helloUrl: string
  seeded: SeedResult
  databaseUrl: URL
  work: string
  /** The web processes' environment, to start one without the session cache beside them. */
  env: Record<string, string>
}) {
  const { base, helloUrl, seeded, databaseUrl, work, env } = run
  const seconds = SECONDS
  await section('likes and saves')
  const actor = await signIn(base, READER_NAME)
  const postHeaders = {
    Cookie: actor.cookie,
    'x-csrf-token': actor.csrf,
    Accept: 'application/json',
    'Content-Type': 'application/x-www-form-urlencoded',
  }
  // Posts by others (the reader has none), in disjoint id ranges for each scenario.
  const total = seeded.counts.posts
  const keys = (fromShare: number, count: number) =>
    Array.from(
      { length: Math.min(count, Math.floor(total * 0.1)) },
      (_, i) => Math.floor(total * fromShare) + i,
    )
  const likeKeys = keys(0.05, 3000).map(shareKey)
  const likePaths = path.join(work, 'like-paths.txt')
  await writeFile(
    likePaths,
    [...likeKeys.map((k) => `/p/${k}/like`), ...likeKeys.map((k) => `/p/${k}/unlike`)].join('\n'),
  )
  const savePaths = path.join(work, 'save-paths.txt')
  await writeFile(
    savePaths,
    keys(0.3, 20_000)
      .map((id) => `/p/${shareKey(id)}/save`)
      .join('\n'),
  )
  const social = await alternate(
    {
      hello: { url: helloUrl, seconds },
      like: {
        url: base,
        seconds,
        method: 'POST',
        headers: postHeaders,
        pathsFile: likePaths,
        connections: 10,
      },
      save: {
        url: base,
        seconds,
        method: 'POST',
        headers: postHeaders,
        body: 'shake_id=1',
        pathsFile: savePaths,
        connections: 10,
      },
    },
    ROUNDS,
  )
  results.social = social
  for (const name of ['like', 'save'] as const) {
    const m = social[name] as Measured
    rows.push({
      path: `${name} POST (c=10) ÷ hello`,
      figure: `${Math.round(m.rps)} req/s, p50 ${round1(m.p50Ms)} ms, p99 ${round1(m.p99Ms)} ms`,
      ratio: String(ratio(m.rps, social.hello?.rps as number)),
      // Issue 17's goal for likes; saves are reported.
      goal: name === 'like' ? '≥ 0.03' : 'report',
      met:
        m.errors > 0
          ? false
          : name === 'like'
            ? ratio(m.rps, social.hello?.rps as number) >= 0.03
            : undefined,
    })
  }
  // Open loop: one like every 5 ms, each on a post not liked before; the answer carries the
  // count from the same commit, with the owner's notification.
  // The loop's own floor: the same client at the same rate against bare hello.
  const floor = await openLoopFloor(helloUrl, 2000, 200)
  results.openLoopFloor = floor
  rows.push({
    path: 'open loop floor: hello at 200 requests/s, the same client',
    figure: `p50 ${round1(floor.p50Ms)} ms, p99 ${round1(floor.p99Ms)} ms, max ${round1(floor.maxMs)} ms`,
    ratio: '–',
    goal: 'report',
    met: undefined,
  })
  const likeOpen = await openLoopLikes(base, postHeaders, keys(0.6, 2000).map(shareKey), 200)
  results.likeToCount = likeOpen
  rows.push({
    path: 'like → count visible, open loop 200 likes/s',
    figure: `p50 ${round1(likeOpen.p50Ms)} ms, p99 ${round1(likeOpen.p99Ms)} ms, max ${round1(likeOpen.maxMs)} ms (${likeOpen.likes} likes)`,
    ratio: '–',
    goal: 'p50 ≤ 3, p99 ≤ 15, max ≤ 100 ms',
    met:
      likeOpen.errors === 0 && likeOpen.p50Ms <= 3 && likeOpen.p99Ms <= 15 && likeOpen.maxMs <= 100,
  })
  // The session cache's share: the same loop against two fresh web processes, one that reads
  // every session from the database, in alternating blocks (same machine, same moment), each
  // warmed first by the same number of likes.
  const twins = {
    a: await startWeb('web (session cache)', {
      ...env,
      PAGE_CACHE_SECONDS: '0',
      SESSION_CACHE_SECONDS: '10',
    }),
    b: await startWeb('web (no session cache)', {
      ...env,
      PAGE_CACHE_SECONDS: '0',
      SESSION_CACHE_SECONDS: '0',
    }),
  }
  const pairedKeys = keys(0.5, 5000).map(shareKey)
  await openLoopLikes(twins.a.base, postHeaders, pairedKeys.slice(0, 500), 200)
  await openLoopLikes(twins.b.base, postHeaders, pairedKeys.slice(500, 1000), 200)
  const paired = await pairedOpenLoopLikes(
    { a: twins.a.base, b: twins.b.base },
    postHeaders,
    pairedKeys.slice(1000),
    200,
    4,
  )
  for (const twin of Object.values(twins)) twin.child.kill('SIGTERM')
  results.sessionCachePaired = paired
  const { a: withCache, b: withoutCache } = paired
  rows.push({
    path: 'like → count at 200/s: session cache on ÷ off (alternating blocks)',
    figure: `p50 ${round1(withCache.p50Ms)} vs ${round1(withoutCache.p50Ms)} ms, p99 ${round1(withCache.p99Ms)} vs ${round1(withoutCache.p99Ms)} ms (${withCache.likes} and ${withoutCache.likes} likes)`,
    ratio: `p50 ${ratio(withCache.p50Ms, withoutCache.p50Ms)}×`,
    goal: 'report',
    met: withCache.errors + withoutCache.errors === 0 ? undefined : false,
  })
  // Hammering: 1,000 likes a second for 20 s on one node, far more than it commits one by one
  // (group commit takes them in batches); then every answered like must be stored, and the
  // queue must drain (the follow-up jobs through the outbox and the worker).
  const floodKeys = keys(0.7, 20_000).map(shareKey)
  const flood = await openLoopLikes(base, postHeaders, floodKeys, 1000)
  const check = openDatabase({ dialect: 'mysql', url: databaseUrl.toString() })
  const drainStarted = performance.now()
  let pending = Number.NaN
  while (performance.now() - drainStarted < 120_000) {
    const outbox = await outboxHealth(check)
    pending = outbox.pending + outbox.relayed
    if (pending === 0) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000
  const stored = await check
    .selectFrom('favorite')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .innerJoin('user', 'user.id', 'favorite.user_id')
    .where('user.name', '=', READER_NAME)
    .where('sharedfile_id', 'in', keys(0.7, 20_000))
    .executeTakeFirstOrThrow()
  await check.destroy()
  results.likeFlood = { ...flood, stored: Number(stored.n), pending, drainSeconds }
  rows.push({
    path: 'open loop 1,000 likes/s for 20 s on one node',
    figure: `${flood.likes} of ${flood.sent} answered (sent at ${Math.round(flood.sentPerSecond)}/s), p50 ${round1(flood.p50Ms)} ms, p99 ${round1(flood.p99Ms)} ms, max ${round1(flood.maxMs)} ms; ${stored.n} stored; queue drained ${pending === 0 ? `${round1(drainSeconds)} s after` : `NOT (${pending} left)`}`,
    ratio: '–',
    goal: 'no errors; p99 ≤ 100 ms; every like stored; queue drains',
    met:
      flood.errors === 0 &&
      flood.p99Ms <= 100 &&
      Number(stored.n) === flood.likes &&
      flood.likes === flood.sent &&
      pending === 0,
  })
}

/** A fresh database on the MySQL server, dropped at the end of the run. */
async function freshDatabase(cleanups: Array<() => Promise<void>>) {
  const dbName = `mlkshk_bench_${randomBytes(5).toString('hex')}`
  const server = await createConnection({ uri: mysqlServer })
  await server.query(
    `create database \`${dbName}\` character set utf8mb4 collate utf8mb4_unicode_ci`,
  )
  cleanups.push(async () => {
    await server.query(`drop database if exists \`${dbName}\``).catch(() => {})
    await server.end()
  })
  const databaseUrl = new URL(mysqlServer)
  databaseUrl.pathname = `/${dbName}`
  return { dbName, databaseUrl }
}

/** A private Redis on the server core; returns its port. */
async function startRedis(): Promise<number> {
  const port = await freePort()
  pinned(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  )
  return port
}

/** The worker, compiled, on the server core. */
function startWorker(env: Record<string, string>) {
  const [workerProgram, ...workerArgs] = node('src/worker.ts')
  return pinned(workerProgram as string, workerArgs, env, { cwd: projectRoot })
}

/** The fan-out section (harness/fan-out.ts) on the run's data set, its rows into the table. */
async function fanOutSection(
  databaseUrl: URL,
  base: string,
  workerPid: number,
  seeded: SeedResult,
  work: string,
) {
  await section('fan-out to 100,000 followers')
  const db = openDatabase({ dialect: 'mysql', url: databaseUrl.toString() })
  try {
    const fanOut = await runFanOut({
      db,
      base,
      workerPid,
      seeded,
      work,
      posts: Number(args['fan-out-posts']),
      rounds: ROUNDS,
      seconds: SECONDS,
      log,
    })
    results.fanOut = fanOut.results
    rows.push(...fanOut.rows)
  } finally {
    await db.destroy()
  }
}

/**
 * Only the write sections (likes and saves with --writes-only, then the fan-out; the fan-out
 * alone with --fan-out-only): a seeded database, Redis, one web process, the worker and hello.
 */
async function writesOnly(work: string, cleanups: Array<() => Promise<void>>) {
  const { dbName, databaseUrl } = await freshDatabase(cleanups)
  log(`seeding ${dbName} (scale ${args.scale}, rows only)`)
  const db = openDatabase({ dialect: 'mysql', url: databaseUrl.toString() })
  await migrateToLatest(db)
  const seedStarted = performance.now()
  const seeded = await seedDatabase(db, scaled(Number(args.scale)), {
    log: (line) => log(`seed ${line}`),
  })
  results.seed = { ...seeded, seconds: Math.round((performance.now() - seedStarted) / 1000) }
  await db.destroy()
  const env: Record<string, string> = {
    ...appEnv,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: `redis://127.0.0.1:${await startRedis()}`,
    REDIS_PREFIX: 'bench',
    DATA_DIR: path.join(work, 'data'),
    PAGE_CACHE_SECONDS: '0',
  }
  const web = await startWeb('web (no page cache)', env)
  const worker = startWorker(env)
  // The worker has no port: give it time to connect and start its runtime.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  if (worker.exitCode !== null) throw new Error(`the worker exited with ${worker.exitCode}`)
  if (args['writes-only']) {
    const helloUrl = await startHello()
    await writesSection({ base: web.base, helloUrl, seeded, databaseUrl, work, env })
  }
  await fanOutSection(databaseUrl, web.base, worker.pid as number, seeded, work)
}

/** The bare node:http hello baseline on the server core; returns its URL. */
async function startHello(): Promise<string> {
  const port = await freePort()
  const [program, ...rest] = node('bench/harness/baseline-server.ts')
  const hello = pinned(
    program as string,
    [...rest, 'hello', String(port)],
    {},
    { cwd: projectRoot },
  )
  const url = `http://127.0.0.1:${port}/`
  await waitFor(url, hello, 'node:http hello')
  return url
}

/** The page scenarios on a data set of each of `--scales`, the larger ones against the smallest. */
async function scaleCurve(work: string, cleanups: Array<() => Promise<void>>) {
  await section(`scale curve (${SCALES.join(', ')})`)
  const sets = await prepareDataSets(SCALES, {
    mysqlServer,
    reuse: Boolean(args.reuse),
    log,
  })
  cleanups.push(() => dropDataSets(sets, mysqlServer))
  results.scaleCurveSeeds = sets.map((s) => ({
    scale: s.scale,
    database: s.database,
    seedSeconds: s.seedSeconds,
    seeded: s.seeded,
  }))
  await section('scale curve pages')
  const curve = await runScaleCurve(sets, {
    rounds: ROUNDS,
    seconds: SECONDS,
    dataDir: path.join(work, 'scale-curve'),
    env: appEnv,
  })
  results.scaleCurve = curve.results
  rows.push(...curve.rows)
}

main().then(
  () => process.exit(0),
  async (error) => {
    console.error(error)
    await stopAll()
    process.exit(1)
  },
)
