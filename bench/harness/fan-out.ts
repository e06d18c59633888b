// The fan-out section: a post by an account with 100,000 followers. The worker's rate of
// timeline rows and its memory while it writes them, the poster's answer against an ordinary
// poster's, and a like on the hot post against a like on an ordinary post.
//
// At scales below 10 the `celebrity` account is topped up to 100,000 followers first (new
// members and their follows, in multi-row inserts), so the section always measures the same
// fan-out. Each post's fan-out is watched from outside: its timeline rows are counted every
// ~100 ms (rows/s between the first and the last row) while the worker's RSS is sampled.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { sql } from 'kysely'
import type { Database } from '../../src/db/database.js'
import { toDbDateTime } from '../../src/db/dialect.js'
import { idFromShareKey, shareKey } from '../../src/services/share-keys.js'
import { noisyJpeg } from '../../test/helpers/images.js'
import type { SeedResult } from '../seed.js'
import { bulkInsert, type Row } from './bulk-insert.js'
import { alternate, type Measured } from './load.js'
import { memoryMb } from './processes.js'
import { signIn } from './web.js'

export const FAN_OUT_FOLLOWERS = 100_000

export interface FanOutRow {
  path: string
  figure: string
  ratio: string
  goal: string
  met: boolean | undefined
}

export interface FanOutOptions {
  db: Database
  /** The web process the posts and likes go through. */
  base: string
  workerPid: number
  seeded: SeedResult
  /** Where the wrk path files go. */
  work: string
  /** Counted posts per poster (one more each as a warm-up). */
  posts: number
  rounds: number
  seconds: number
  log: (line: string) => void
}

const round1 = (x: number) => Math.round(x * 10) / 10
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

async function followerCount(db: Database, shakeId: number): Promise<number> {
  const row = await db
    .selectFrom('subscription')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('shake_id', '=', shakeId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Adds members following the shake until it has `target` followers: user rows and subscription
 * rows streamed into multi-row inserts on one connection (foreign and unique checks off on MySQL,
 * as the seed loads). Returns how many were added.
 */
export async function topUpFollowers(
  db: Database,
  shakeId: number,
  target: number,
): Promise<number> {
  const missing = target - (await followerCount(db, shakeId))
  if (missing <= 0) return 0
  const top = await db
    .selectFrom('user')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow()
  const first = Number(top.id) + 1
  const now = toDbDateTime(new Date())
  await db.connection().execute(async (conn) => {
    await sql`set foreign_key_checks = 0, unique_checks = 0`.execute(conn)
    await bulkInsert(
      conn,
      'user',
      (function* (): Generator<Row> {
        for (let id = first; id < first + missing; id++)
          yield {
            id,
            name: `fan${id}`,
            email: `fan${id}@example.com`,
            hashed_password: 'x',
            created_at: now,
            updated_at: now,
          }
      })(),
      6,
    )
    await bulkInsert(
      conn,
      'subscription',
      (function* (): Generator<Row> {
        for (let id = first; id < first + missing; id++)
          yield { user_id: id, shake_id: shakeId, created_at: now }
      })(),
      3,
    )
    await sql`set foreign_key_checks = 1, unique_checks = 1`.execute(conn)
  })
  await sql`analyze table user, subscription`.execute(db)
  return missing
}

type Poster = Awaited<ReturnType<typeof signIn>>

/** Posts a fresh small image through the upload form; the answer's time and the post's id. */
async function upload(base: string, poster: Poster, title: string) {
  const form = new FormData()
  form.append('title', title)
  form.append('file', new Blob([await noisyJpeg(64, 48)], { type: 'image/jpeg' }), 'x.jpg')
  const started = performance.now()
  const response = await fetch(`${base}/upload?_csrf=${encodeURIComponent(poster.csrf)}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { cookie: poster.cookie },
  })
  await response.arrayBuffer()
  const answerMs = performance.now() - started
  const location = response.headers.get('location') ?? ''
  if (response.status !== 302 || !location.startsWith('/p/'))
    throw new Error(`upload by a poster: ${response.status} ${location}`)
  return { answerMs, postId: idFromShareKey(location.slice('/p/'.length)) as number }
}

interface FanOutWatch {
  rows: number
  /** Rows a second between the first row seen and the last. */
  rowsPerSecond: number
  /** From the poster's answer to the last row. */
  totalMs: number
  /** The most the worker's RSS was in any sample, MB. */
  peakRssMb: number
}

/** Counts the post's timeline rows every ~100 ms until there are `expected`, sampling the worker. */
async function watchFanOut(
  db: Database,
  postId: number,
  expected: number,
  workerPid: number,
  answeredAt: number,
): Promise<FanOutWatch> {
  let first: { at: number; rows: number } | undefined
  let peakRssMb = 0
  const until = answeredAt + 600_000
  for (;;) {
    const polled = performance.now()
    const row = await db
      .selectFrom('post')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sharedfile_id', '=', postId)
      .executeTakeFirstOrThrow()
    const at = performance.now()
    const rows = Number(row.n)
    peakRssMb = Math.max(peakRssMb, (await memoryMb(workerPid)).rss)
    if (rows > 0 && !first) first = { at, rows }
    if (rows >= expected) {
      const span = first && at > first.at ? (at - first.at) / 1000 : Number.NaN
      return {
        rows,
        rowsPerSecond: first ? (rows - first.rows) / span : Number.NaN,
        totalMs: at - answeredAt,
        peakRssMb,
      }
    }
    if (at > until) throw new Error(`fan-out of post ${postId}: ${rows} of ${expected} rows`)
    await sleep(Math.max(0, polled + 100 - performance.now()))
  }
}

/** Readers of the shake's followers (and the poster) holding the post other than exactly once. */
async function notExactlyOnce(
  db: Database,
  postId: number,
  shakeId: number,
  posterId: number,
): Promise<{ missing: number; doubled: number }> {
  const missing = await db
    .selectFrom('subscription as s')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('s.shake_id', '=', shakeId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('post as p')
            .select('p.id')
            .whereRef('p.user_id', '=', 's.user_id')
            .where('p.sharedfile_id', '=', postId),
        ),
      ),
    )
    .executeTakeFirstOrThrow()
  const counted = await db
    .selectFrom('post')
    .select([
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.count<number>('user_id').distinct().as('readers'),
    ])
    .where('sharedfile_id', '=', postId)
    .executeTakeFirstOrThrow()
  const poster = await db
    .selectFrom('post')
    .select('id')
    .where('sharedfile_id', '=', postId)
    .where('user_id', '=', posterId)
    .execute()
  return {
    missing: Number(missing.n) + (poster.length === 0 ? 1 : 0),
    doubled: Number(counted.n) - Number(counted.readers),
  }
}

export async function runFanOut(
  options: FanOutOptions,
): Promise<{ rows: FanOutRow[]; results: Record<string, unknown> }> {
  const { db, base, workerPid, seeded, log } = options
  const rows: FanOutRow[] = []
  // 1. The hot account at 100,000 followers; an ordinary poster (the last member: follows are
  // drawn toward low ids, so it has few).
  const hotShake = seeded.hotAccountId // its personal shake has its id
  const added = await topUpFollowers(db, hotShake, FAN_OUT_FOLLOWERS)
  if (added > 0) log(`fan-out: ${seeded.hotAccountName} topped up with ${added} followers`)
  const hotFollowers = await followerCount(db, hotShake)
  const ordinaryName = `user${seeded.counts.users}`
  const ordinary = await db
    .selectFrom('user')
    .select('id')
    .where('name', '=', ordinaryName)
    .executeTakeFirstOrThrow()
  const ordinaryFollowers = await followerCount(db, ordinary.id)
  const posters = {
    hot: {
      id: seeded.hotAccountId,
      shake: hotShake,
      followers: hotFollowers,
      session: await signIn(base, seeded.hotAccountName),
    },
    ordinary: {
      id: ordinary.id,
      shake: ordinary.id,
      followers: ordinaryFollowers,
      session: await signIn(base, ordinaryName),
    },
  }

  // 2. Alternating posts, each fanned out before the next; the first of each is a warm-up. The
  // order turns every round (ordinary, hot, hot, ordinary, ...): a post right after a 100,000-row
  // fan-out meets a busier database, and each poster gets that turn as often as the other.
  const rssBefore = await memoryMb(workerPid)
  const answers = { hot: [] as number[], ordinary: [] as number[] }
  const fanOuts: FanOutWatch[] = []
  const wrong: string[] = []
  for (let i = 0; i <= options.posts; i++) {
    for (const name of i % 2 === 0
      ? (['ordinary', 'hot'] as const)
      : (['hot', 'ordinary'] as const)) {
      const poster = posters[name]
      const posted = await upload(base, poster.session, `fan-out ${name} ${i}`)
      const answeredAt = performance.now()
      const watch = await watchFanOut(
        db,
        posted.postId,
        poster.followers + 1,
        workerPid,
        answeredAt,
      )
      const check = await notExactlyOnce(db, posted.postId, poster.shake, poster.id)
      if (check.missing + check.doubled > 0 || watch.rows !== poster.followers + 1)
        wrong.push(
          `${name} post ${shareKey(posted.postId)}: ${watch.rows} rows, ${check.missing} missing, ${check.doubled} doubled`,
        )
      if (i === 0) continue
      answers[name].push(posted.answerMs)
      if (name === 'hot') {
        fanOuts.push(watch)
        log(
          `fan-out: ${watch.rows} rows at ${Math.round(watch.rowsPerSecond)} rows/s, all in ${Math.round(watch.totalMs)} ms; worker RSS peak ${Math.round(watch.peakRssMb)} MB`,
        )
      }
    }
  }
  await sleep(1000)
  const rssAfter = await memoryMb(workerPid)
  const rates = fanOuts.map((f) => f.rowsPerSecond)
  const rate = percentile(rates, 50)
  const allRowsSeconds = round1(
    percentile(
      fanOuts.map((f) => f.totalMs / 1000),
      50,
    ),
  )
  const exactly =
    wrong.length === 0 ? 'every follower exactly one row' : `WRONG: ${wrong.join('; ')}`
  rows.push({
    path: `fan-out of a post to ${hotFollowers.toLocaleString('en')} followers (worker, ${fanOuts.length} posts)`,
    figure: `${Math.round(rate)} rows/s median (${Math.round(Math.min(...rates))}–${Math.round(Math.max(...rates))}); all rows ${allRowsSeconds} s after the answer; ${exactly}`,
    ratio: '–',
    goal: '≥ 20,000 rows/s; each follower one row',
    met: rate >= 20_000 && wrong.length === 0,
  })
  const rssPeak = Math.max(...fanOuts.map((f) => f.peakRssMb), rssBefore.rss)
  rows.push({
    path: 'worker RSS through the fan-outs: peak ÷ before',
    figure: `before ${Math.round(rssBefore.rss)} MB, peak during ${Math.round(rssPeak)} MB, after ${Math.round(rssAfter.rss)} MB (growth ${round1(rssAfter.rss - rssBefore.rss)} MB)`,
    ratio: String(ratio(rssPeak, rssBefore.rss)),
    goal: '≤ 1.25',
    met: rssPeak / rssBefore.rss <= 1.25,
  })
  const p = (values: number[], q: number) => round1(percentile(values, q))
  const answerRatio = ratio(percentile(answers.hot, 50), percentile(answers.ordinary, 50))
  rows.push({
    path: `poster's answer (upload): ${hotFollowers.toLocaleString('en')} followers ÷ ${ordinaryFollowers}`,
    figure: `median ${p(answers.hot, 50)} vs ${p(answers.ordinary, 50)} ms, p90 ${p(answers.hot, 90)} vs ${p(answers.ordinary, 90)} ms (${options.posts} posts each, alternating)`,
    ratio: `${answerRatio}× (p90 ${ratio(percentile(answers.hot, 90), percentile(answers.ordinary, 90))}×)`,
    goal: 'median ≤ 1.5×',
    met: answerRatio <= 1.5,
  })

  // 3. Likes: one signed-in member likes and unlikes the hot post, and an ordinary one.
  const total = seeded.counts.posts
  const plain = await db
    .selectFrom('sharedfile')
    .select(['id', 'like_count'])
    .where('id', '>=', Math.floor(total * 0.45))
    .where('user_id', 'not in', [1, seeded.hotAccountId])
    .where('deleted', '=', 0)
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow()
  const hotPost = await db
    .selectFrom('sharedfile')
    .select(['id', 'like_count'])
    .where('id', '=', seeded.hotPostId)
    .executeTakeFirstOrThrow()
  const liker = await signIn(base, seeded.readerName)
  const headers = {
    Cookie: liker.cookie,
    'x-csrf-token': liker.csrf,
    Accept: 'application/json',
    'Content-Type': 'application/x-www-form-urlencoded',
  }
  const likePaths: Record<string, string> = {}
  for (const [name, id] of [
    ['hot', hotPost.id],
    ['ordinary', plain.id],
  ] as const) {
    const key = shareKey(id)
    // From a known state: not liked by the reader.
    const reset = await fetch(`${base}/p/${key}/unlike`, { method: 'POST', headers })
    if (reset.status !== 200) throw new Error(`unlike ${key}: ${reset.status}`)
    const file = path.join(options.work, `like-unlike-${name}.txt`)
    await writeFile(file, `/p/${key}/like\n/p/${key}/unlike\n`)
    likePaths[name] = file
  }
  const variant = (name: string, connections: number) => ({
    url: base,
    seconds: options.seconds,
    method: 'POST',
    headers,
    pathsFile: likePaths[name] as string,
    connections,
  })
  const likes = await alternate(
    {
      'hot@1': variant('hot', 1),
      'ordinary@1': variant('ordinary', 1),
      'hot@10': variant('hot', 10),
      'ordinary@10': variant('ordinary', 10),
    },
    options.rounds,
  )
  for (const c of [1, 10]) {
    const hot = likes[`hot@${c}`] as Measured
    const plainLike = likes[`ordinary@${c}`] as Measured
    const p50 = ratio(hot.p50Ms, plainLike.p50Ms)
    const p99 = ratio(hot.p99Ms, plainLike.p99Ms)
    rows.push({
      path: `like/unlike of the hot post (${Number(hotPost.like_count).toLocaleString('en')} likes) ÷ of an ordinary post (${plain.like_count}), c=${c}`,
      figure: `p50 ${round1(hot.p50Ms)} vs ${round1(plainLike.p50Ms)} ms, p99 ${round1(hot.p99Ms)} vs ${round1(plainLike.p99Ms)} ms (${Math.round(hot.rps)} vs ${Math.round(plainLike.rps)} req/s)`,
      ratio: `p50 ${p50}×, p99 ${p99}×`,
      goal: 'no longer: p50 ≤ 1.1×, p99 ≤ 1.5×',
      met: p50 <= 1.1 && p99 <= 1.5 && hot.errors + plainLike.errors === 0,
    })
  }
  return {
    rows,
    results: {
      hotFollowers,
      ordinaryFollowers,
      toppedUp: added,
      fanOuts,
      rss: { before: rssBefore, peak: rssPeak, after: rssAfter },
      answers,
      wrong,
      likes,
      likedPosts: { hot: hotPost, ordinary: plain },
    },
  }
}
