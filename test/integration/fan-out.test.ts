// The fan-out of a post to a shake with many followers: every follower gets exactly one row,
// a run cut short (a killed worker) resumes from its checkpoint or reruns without duplicates,
// and the rate is printed. Followers are inserted in bulk; the job runs by hand.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createConnection } from 'mysql2/promise'
import { openDatabase } from '../../src/db/database.js'
import { toDbDateTime } from '../../src/db/dialect.js'
import type { JobCheckpoint } from '../../src/jobs/job-context.js'
import { createJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js'
import { addToFollowerTimelines, followerChunkEnd } from '../../src/repositories/timeline.js'
import { fanOutPost } from '../../src/services/follows.js'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { insertPeople } from '../helpers/bulk-people.js'
import { jobContext, settle } from '../helpers/jobs.js'
import { QueryLog } from '../helpers/query-log.js'
import { analyze } from '../helpers/query-plans.js'
import { redisUrl } from '../helpers/services.js'
import { post, quietLog } from '../helpers/social.js'

const FOLLOWERS = 20_000
const FAN_OUT_CHUNK = 2000

/** A checkpoint kept in memory, as BullMQ keeps the job's progress; it can cut the run short. */
class TestCheckpoint implements JobCheckpoint {
  saved: unknown
  saves = 0
  constructor(private readonly killAfterSaves = Number.POSITIVE_INFINITY) {}
  async save(value: object): Promise<void> {
    this.saved = structuredClone(value)
    this.saves++
    if (this.saves >= this.killAfterSaves) throw new Error('killed')
  }
}

describe(`fan-out to ${FOLLOWERS} followers (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  // Production's runner: the web node relays to BullMQ, a worker runtime runs the jobs.
  let workerDb: ReturnType<typeof openDatabase>
  let worker: JobRuntime | undefined
  const startWorker = async () => {
    worker = await createJobRuntime(site.config, workerDb, quietLog, {
      role: 'worker',
      relayIntervalMs: 200,
    })
  }
  let poster: Browser
  let posterId: number
  let shakeId: number
  let followerIds: number[]

  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_UPLOAD: '1000/60',
      REDIS_URL: redisUrl,
      FAN_OUT_CHUNK: String(FAN_OUT_CHUNK),
    })
    workerDb = openDatabase(site.config.database)
    await startWorker()
    poster = await signUp(site.app, 'famous')
    const user = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'famous')
      .executeTakeFirstOrThrow()
    posterId = user.id
    const shake = await site.app.db
      .selectFrom('shake')
      .select('id')
      .where('user_id', '=', posterId)
      .executeTakeFirstOrThrow()
    shakeId = shake.id
    // The followers, in multi-row statements.
    const now = toDbDateTime(new Date())
    const first = posterId + 1
    followerIds = Array.from({ length: FOLLOWERS }, (_, i) => first + i)
    await insertPeople(site.app.db, followerIds, 'f')
    for (let i = 0; i < FOLLOWERS; i += 500) {
      const ids = followerIds.slice(i, i + 500)
      await site.app.db
        .insertInto('subscription')
        .values(ids.map((id) => ({ user_id: id, shake_id: shakeId, created_at: now })))
        .execute()
    }
  })
  after(async () => {
    await worker?.close()
    await workerDb?.destroy()
    await site?.close()
  })

  /** A post whose own fan-out (queued by the upload) has run, and its timeline rows removed. */
  async function postWithoutTimeline(title: string) {
    const key = await post(poster, title)
    await settle(site.app, 120_000)
    const id = idFromShareKey(key) as number
    await site.app.db.deleteFrom('post').where('sharedfile_id', '=', id).execute()
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('sourcefile_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    return { id, sourcefileId: row.sourcefile_id }
  }

  /** Per reader, how many rows of this image their timeline holds. */
  async function rowsPerReader(sourcefileId: number) {
    const rows = await site.app.db
      .selectFrom('post')
      .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('sourcefile_id', '=', sourcefileId)
      .groupBy('user_id')
      .execute()
    return new Map(rows.map((r) => [r.user_id, Number(r.n)]))
  }

  function assertEveryoneOnce(perReader: Map<number, number>) {
    assert.equal(perReader.size, FOLLOWERS + 1, 'every follower and the poster have the post')
    assert.ok(
      [...perReader.values()].every((n) => n === 1),
      'nobody has it twice',
    )
    assert.ok(followerIds.every((id) => perReader.has(id)))
    assert.equal(perReader.get(posterId), 1)
  }

  it('gives every follower exactly one row, skipping those who have the image, and prints the rate', async () => {
    const { id, sourcefileId } = await postWithoutTimeline('to everyone')
    // 300 followers already have this post, 300 the same image from another post.
    const now = toDbDateTime(new Date())
    const other = await postWithoutTimeline('another')
    await site.app.db
      .insertInto('post')
      .values([
        ...followerIds.slice(0, 300).map((user_id) => ({
          user_id,
          sharedfile_id: id,
          sourcefile_id: sourcefileId,
          shake_id: shakeId,
          created_at: now,
        })),
        ...followerIds.slice(300, 600).map((user_id) => ({
          user_id,
          sharedfile_id: other.id,
          sourcefile_id: sourcefileId,
          shake_id: shakeId,
          created_at: now,
        })),
      ])
      .execute()
    const heapBefore = process.memoryUsage().heapUsed
    const started = performance.now()
    await fanOutPost(jobContext(site.app), { postId: id }, new TestCheckpoint())
    const seconds = (performance.now() - started) / 1000
    const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
    const written = FOLLOWERS + 1 - 600
    console.log(
      `fan-out (${onMysql ? 'MySQL' : 'SQLite'}): ${written} timeline rows in ${seconds.toFixed(2)} s = ${Math.round(written / seconds)} rows/s, chunks of ${FAN_OUT_CHUNK}, heap +${heapGrowth.toFixed(1)} MB`,
    )
    assertEveryoneOnce(await rowsPerReader(sourcefileId))
    const fromOther = await site.app.db
      .selectFrom('post')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sharedfile_id', '=', other.id)
      .where('sourcefile_id', '=', sourcefileId)
      .executeTakeFirstOrThrow()
    assert.equal(Number(fromOther.n), 300, 'the image already seen is not shown again')
  })

  it('resumes a run cut short from its checkpoint, and a rerun from scratch adds nothing', async () => {
    const { id, sourcefileId } = await postWithoutTimeline('resumable')
    const killed = new TestCheckpoint(3)
    await assert.rejects(fanOutPost(jobContext(site.app), { postId: id }, killed), /killed/)
    const partial = await rowsPerReader(sourcefileId)
    assert.equal(partial.size, 3 * FAN_OUT_CHUNK + 1, 'three chunks and the poster were written')

    // The next attempt starts where the last one noted it was: one fresh checkpoint with the
    // saved mark, as BullMQ hands the job's progress to the next worker.
    const resumed = new TestCheckpoint()
    resumed.saved = killed.saved
    await fanOutPost(jobContext(site.app), { postId: id }, resumed)
    assert.equal(
      resumed.saves,
      Math.floor(FOLLOWERS / FAN_OUT_CHUNK) - 3,
      'the chunks already done were not walked again',
    )
    assertEveryoneOnce(await rowsPerReader(sourcefileId))

    // Without a checkpoint (the in-process runner), the whole job runs again: nothing doubles.
    const started = performance.now()
    await fanOutPost(jobContext(site.app), { postId: id })
    console.log(
      `fan-out rerun with nothing left to write (${onMysql ? 'MySQL' : 'SQLite'}): ${((performance.now() - started) / 1000).toFixed(2)} s`,
    )
    assertEveryoneOnce(await rowsPerReader(sourcefileId))
  })

  it('answers the poster without doing the fan-out', async () => {
    // No worker runs while the post is made: whatever reaches the timelines before one starts
    // was written by the request.
    await worker?.close()
    worker = undefined
    const started = performance.now()
    const key = await post(poster, 'answered at once')
    const answered = performance.now() - started
    const id = idFromShareKey(key) as number
    const count = async () =>
      Number(
        (
          await site.app.db
            .selectFrom('post')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('sharedfile_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      )
    const atAnswer = await count()
    await startWorker()
    await settle(site.app, 120_000)
    console.log(
      `post by a ${FOLLOWERS}-follower account (${onMysql ? 'MySQL' : 'SQLite'}): answered in ${answered.toFixed(0)} ms with ${atAnswer} timeline rows written; ${await count()} after the job`,
    )
    assert.equal(atAnswer, 0, 'the request wrote no timeline row')
    assert.equal(await count(), FOLLOWERS + 1)
  })

  it('reads only its own chunk of the follower index, however far into the followers (MariaDB plan)', {
    skip: !onMysql && 'MariaDB only: the plans judged are MariaDB’s',
  }, async () => {
    const { id, sourcefileId } = await postWithoutTimeline('late chunk explained')
    // The next-to-last chunk: a plan that reads the shake's followers from the first reads
    // nearly all of them here.
    const after = followerIds[FOLLOWERS - 2 * FAN_OUT_CHUNK - 1] as number
    const upTo = followerIds[FOLLOWERS - FAN_OUT_CHUNK - 1] as number
    const log = new QueryLog()
    const db = site.app.db.withPlugin(log)
    const entry = { sharedfileId: id, sourcefileId, shakeId }
    await log.record('chunk', async () => {
      assert.equal(await followerChunkEnd(db, shakeId, after, FAN_OUT_CHUNK), upTo)
      await addToFollowerTimelines(db, shakeId, { after, upTo }, entry)
    })
    assert.equal(log.queries.length, 2, 'the chunk end and the chunk were recorded')
    const connection = await createConnection({ uri: site.env.DATABASE_URL as string })
    try {
      for (const query of log.queries) {
        await site.app.db.deleteFrom('post').where('sharedfile_id', '=', id).execute()
        const accesses = await analyze(connection, query.sql, query.parameters)
        const followers = accesses.filter((a) => a.table === 'subscription')
        const read = followers.reduce((sum, a) => sum + a.read, 0)
        assert.ok(
          followers.length > 0 && read <= FAN_OUT_CHUNK + 10,
          `${query.sql.slice(0, 60)}…: ${read} follower entries read for a chunk of ${FAN_OUT_CHUNK} (${JSON.stringify(followers)})`,
        )
      }
    } finally {
      await connection.end()
    }
  })
})
