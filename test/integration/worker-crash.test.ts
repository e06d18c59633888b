// A worker killed (SIGKILL) in the middle of a job: the job runs again in another worker, and
// nothing is duplicated.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { dbNow } from '../../src/db/dialect.js'
import { projectRoot } from '../../src/paths.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { eventually, settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { post, postJson } from '../helpers/social.js'

const FOLLOWERS = 1500

describe('a worker killed mid-job', async () => {
  const skip = await skipUnless('Redis', redisUrl)
  let site: TestSite
  let alice: Browser
  const workers: ChildProcess[] = []

  function startWorker(): ChildProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'src/worker.ts')],
      {
        cwd: projectRoot,
        env: {
          PATH: process.env.PATH ?? '',
          TZ: process.env.TZ ?? '',
          ...site.env,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    )
    workers.push(child)
    return child
  }

  before(async () => {
    if (skip) return
    site = await createTestSite({
      REDIS_URL: redisUrl,
      JOB_LOCK_SECONDS: '2',
      RATE_LIMIT_UPLOAD: '1000/60',
    })
    alice = await signUp(site.app, 'alice')
    // Many followers, written straight to the tables: the fan-out job then takes a while.
    const db = site.app.db
    const shake = await db
      .selectFrom('shake')
      .select('id')
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow()
    const now = dbNow()
    for (let start = 0; start < FOLLOWERS; start += 250) {
      const users = Array.from({ length: Math.min(250, FOLLOWERS - start) }, (_, i) => ({
        name: `f${start + i}`,
        email: `f${start + i}@example.com`,
        hashed_password: 'x',
        created_at: now,
        updated_at: now,
      }))
      await db.insertInto('user').values(users).execute()
    }
    const ids = await db.selectFrom('user').select('id').where('name', 'like', 'f%').execute()
    for (let start = 0; start < ids.length; start += 250) {
      await db
        .insertInto('subscription')
        .values(
          ids
            .slice(start, start + 250)
            .map((u) => ({ user_id: u.id, shake_id: shake.id, created_at: now })),
        )
        .execute()
    }
  })
  after(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL')
    await site?.close()
  })

  it('runs the job again and duplicates nothing', { skip }, async () => {
    const key = await post(alice, 'to many')
    const bob = await signUp(site.app, 'bob')
    await postJson(bob, `/p/${key}/like`)
    const postId = Number.parseInt(key, 36)
    const rows = async () =>
      Number(
        (
          await site.app.db
            .selectFrom('post')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('sharedfile_id', '=', postId)
            .executeTakeFirstOrThrow()
        ).n,
      )

    const first = startWorker()
    await eventually(async () => (await rows()) > 50, 30_000, 'the fan-out to start')
    first.kill('SIGKILL')
    await once(first, 'exit')
    const partial = await rows()
    assert.ok(partial < FOLLOWERS + 1, `killed in the middle (${partial} of ${FOLLOWERS + 1} rows)`)

    startWorker()
    await settle(site.app, 60_000)
    assert.equal(await rows(), FOLLOWERS + 1, 'every follower and the poster, once each')
    const favorites = await site.app.db
      .selectFrom('notification')
      .select('id')
      .where('type', '=', 'favorite')
      .execute()
    assert.equal(favorites.length, 1, 'one notification')
    const counts = await site.app.db
      .selectFrom('sharedfile')
      .select('like_count')
      .where('id', '=', postId)
      .executeTakeFirstOrThrow()
    assert.equal(counts.like_count, 1)
    const dead = await site.app.db
      .selectFrom('outbox')
      .select('id')
      .where('status', '=', 'dead')
      .execute()
    assert.equal(dead.length, 0)
  })
})
