// The write path under load: what one like, unlike, save and comment costs in statements, and
// 1,000 likes of one post from 1,000 people at once: all succeed, each answer carries an exact
// count, and the time of each answer is printed (p50, p99, max). On MySQL the follow-up work
// goes through BullMQ to a worker runtime, as in production; on SQLite the site is embedded
// (its jobs run in the web process), as SQLite sites run.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js'
import { findUserById, type User } from '../../src/repositories/users.js'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { insertPeople } from '../helpers/bulk-people.js'
import { settle } from '../helpers/jobs.js'
import { QueryCounter } from '../helpers/query-counter.js'
import { redisUrl } from '../helpers/services.js'
import { post, quietLog } from '../helpers/social.js'

const PEOPLE = 1000
const dialect = onMysql ? 'MySQL' : 'SQLite'
/** Kysely sends BEGIN and COMMIT past the plugins: a transaction costs these two more. */
const TRANSACTION_ENDS = 2

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

function timings(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(1)
  return `p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1) as number)} ms`
}

describe(`the write path under load (${dialect})`, () => {
  const counter = new QueryCounter()
  let site: TestSite
  let workerDb: ReturnType<typeof openDatabase> | undefined
  let worker: JobRuntime | undefined
  let people: User[]
  let key: string
  let postId: number

  before(async () => {
    site = await createTestSite(
      { RATE_LIMIT_UPLOAD: '1000/60', ...(onMysql ? { REDIS_URL: redisUrl } : {}) },
      { server: { queryPlugins: [counter] } },
    )
    if (onMysql) {
      workerDb = openDatabase(site.config.database)
      worker = await createJobRuntime(site.config, workerDb, quietLog, {
        role: 'worker',
        relayIntervalMs: 200,
      })
    }
    const owner = await signUp(site.app, 'owner')
    key = await post(owner, 'everybody likes this')
    postId = idFromShareKey(key) as number
    const { id: ownerId } = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', 'owner')
      .executeTakeFirstOrThrow()
    const ids = Array.from({ length: PEOPLE }, (_, i) => ownerId + 1 + i)
    await insertPeople(site.app.db, ids, 'p', { shakes: true })
    people = await Promise.all(ids.map(async (id) => (await findUserById(site.app.db, id)) as User))
    await settle(site.app)
  })
  after(async () => {
    await worker?.close()
    await workerDb?.destroy()
    await site?.close()
  })

  async function likeCount(): Promise<number> {
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('like_count')
      .where('id', '=', postId)
      .executeTakeFirstOrThrow()
    return row.like_count
  }

  it('costs few statements per action', async () => {
    const [a, b] = people as [User, User]
    // The kick after a commit starts the relay in the action's async context: its queries are
    // not the action's. Rows are relayed by the relay's own timer meanwhile.
    const kick = site.app.jobs.kick
    site.app.jobs.kick = () => {}
    const costs = {
      like: await counter.measure(() => site.app.likes.like(a, key)),
      'like again': await counter.measure(() => site.app.likes.like(a, key)),
      unlike: await counter.measure(() => site.app.likes.unlike(a, key)),
      'unlike again': await counter.measure(() => site.app.likes.unlike(a, key)),
      save: await counter.measure(() => site.app.saves.save(b, key, '')),
      'save again': await counter.measure(() => site.app.saves.save(b, key, '')),
      comment: await counter.measure(() => site.app.comments.comment(b, key, 'nice')),
    }
    site.app.jobs.kick = kick
    for (const [action, cost] of Object.entries(costs)) {
      console.log(
        `${action} (${dialect}): ${cost.queries} statements + BEGIN/COMMIT in ${cost.roundTrips} dependent round trips + ${TRANSACTION_ENDS}`,
      )
    }
    // The budgets: the post's read, then the counter, the row, the liker's count of likes given
    // and the owner's notification in one transaction; an unlike has no notification. A comment: the post's read, then its
    // count, the row, the outbox row and the commenter's conversation.
    assert.equal(costs.like.queries, 5)
    assert.equal(costs.unlike.queries, 4)
    assert.ok(costs.comment.queries <= 5)
    await settle(site.app)
    assert.equal(await likeCount(), 0)
  })

  /** The owner's like notifications on the post, and whether it is marked as popular. */
  async function followUp(): Promise<{ notified: number; magic: boolean }> {
    const notified = await site.app.db
      .selectFrom('notification')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'favorite')
      .where('action_id', '=', postId)
      .executeTakeFirstOrThrow()
    const magic = await site.app.db
      .selectFrom('magicfile')
      .select('id')
      .where('sharedfile_id', '=', postId)
      .executeTakeFirst()
    return { notified: Number(notified.n), magic: magic !== undefined }
  }

  it(`takes ${PEOPLE} likes of one post at once, counting each exactly`, async () => {
    const before = await likeCount()
    const started = performance.now()
    const answers = await Promise.all(
      people.map(async (person) => {
        const t0 = performance.now()
        const state = await site.app.likes.like(person, key)
        return { ms: performance.now() - t0, count: state.likeCount }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${PEOPLE} concurrent likes of one post (${dialect}): ${timings(answers.map((a) => a.ms))}; ${Math.round(PEOPLE / seconds)} likes/s`,
    )
    assert.equal(await likeCount(), before + PEOPLE, 'every like counted once')
    // The follow-up was committed with the likes, batched or alone: nothing waits in a queue.
    assert.deepEqual(await followUp(), { notified: PEOPLE, magic: true })
    // Each answer is the count its own commit left: together, every count from 1 to N once.
    assert.deepEqual(
      answers.map((a) => a.count).sort((x, y) => x - y),
      Array.from({ length: PEOPLE }, (_, i) => before + i + 1),
    )
    // Liked again, all at once: nothing changes, and every answer is the whole count.
    const again = await Promise.all(people.map((person) => site.app.likes.like(person, key)))
    assert.ok(again.every((state) => state.likeCount === before + PEOPLE))
    assert.equal(await likeCount(), before + PEOPLE)
    const unliked = await Promise.all(
      people.map(async (person) => {
        const t0 = performance.now()
        await site.app.likes.unlike(person, key)
        return performance.now() - t0
      }),
    )
    console.log(`${PEOPLE} concurrent unlikes of one post (${dialect}): ${timings(unliked)}`)
    assert.equal(await likeCount(), before)
    const rows = await site.app.db
      .selectFrom('favorite')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sharedfile_id', '=', postId)
      .executeTakeFirstOrThrow()
    assert.equal(Number(rows.n), before, 'the rows agree with the counter')
    await settle(site.app, 120_000)
  })

  it('reads the posts of likes that arrive together in one go, blocks and all', async () => {
    // People at the end of the list: the saves and comments below are by the first ones.
    const [blocker, blocked, ...others] = people.slice(-8)
    const owner = (await findUserById(site.app.db, (people[0] as User).id - 1)) as User
    await site.app.blocks.block(owner, (blocked as User).name)
    await site.app.blocks.block(blocker as User, owner.name)
    const likers = others
    // The first read goes alone; everything asked meanwhile is read together.
    const attempts = [
      ...likers.map((person) => site.app.likes.like(person, key)),
      site.app.likes.like(blocker as User, key),
      site.app.likes.like(blocked as User, key),
      site.app.likes.like(likers[0] as User, 'ZZZZZZZZ'),
    ]
    const outcomes = await Promise.allSettled(attempts)
    const status = (o: PromiseSettledResult<unknown>) =>
      o.status === 'fulfilled' ? 200 : (o.reason as { status?: number }).status
    assert.deepEqual(outcomes.map(status), [...likers.map(() => 200), 403, 403, 404])
    const unliked = await Promise.allSettled(
      likers.map((person) => site.app.likes.unlike(person, key)),
    )
    assert.ok(unliked.every((o) => o.status === 'fulfilled'))
  })

  it('takes saves and comments from many people at once', async () => {
    // The first two people acted in the first test.
    const savers = people.slice(2, 202)
    const saves = await Promise.all(
      savers.map(async (person) => {
        const t0 = performance.now()
        const result = await site.app.saves.save(person, key, '')
        assert.equal(result.created, true)
        return performance.now() - t0
      }),
    )
    console.log(`${savers.length} concurrent saves of one post (${dialect}): ${timings(saves)}`)
    const comments = await Promise.all(
      savers.map(async (person) => {
        const t0 = performance.now()
        await site.app.comments.comment(person, key, `said ${person.name}`)
        return performance.now() - t0
      }),
    )
    console.log(`${savers.length} concurrent comments (${dialect}): ${timings(comments)}`)
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('save_count')
      .where('id', '=', postId)
      .executeTakeFirstOrThrow()
    assert.equal(row.save_count, savers.length + 1)
    await settle(site.app, 120_000)
  })
})
