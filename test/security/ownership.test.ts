// The ownership matrix: every edit, delete and management action on something alice owns,
// tried by bob (a stranger) and by carol (a member who manages nothing). Every target exists, so
// each must answer exactly 403 (a 404 would pass a route that lost its check but missed its
// target) and leave the database as it was; then alice does the same and it works, so the
// refusals are about who asked.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import type { Browser } from '../helpers/browser.js'
import { snapshot } from '../helpers/db-snapshot.js'
import * as images from '../helpers/images.js'
import { eventually, settle } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { post } from '../helpers/social.js'
import { createWorld, type World } from './world.js'

interface Action {
  what: string
  url: string
  form?: Record<string, string>
  /** A multipart body with an image, as the upload and picture forms send. */
  image?: boolean
}

describe(`ownership matrix (${onMysql ? 'MySQL' : 'SQLite'})`, async () => {
  const table = new AttackTable('ownership', '403, nothing changed')
  const skipRedis = await skipUnless('Redis', redisUrl)
  let world: World
  let groupId: string
  let bobPost: string
  let deadOutboxId: number
  before(async () => {
    world = await createWorld()
    bobPost = await post(world.bob, 'bob own')
    deadOutboxId = await deadOutboxRow(world)
    await settle(world.site.app) // its follow-up work (fan-out, AVIF and WebP) before any attack
    groupId = String(
      (
        await world.site.app.db
          .selectFrom('shake')
          .select('id')
          .where('name', '=', world.group)
          .executeTakeFirstOrThrow()
      ).id,
    )
  })
  after(async () => {
    await world?.site.close()
  })

  async function send(browser: Browser, action: Action): Promise<LightMyRequestResponse> {
    await browser.get('/')
    if (!action.image) return browser.post(action.url, action.form ?? {})
    return browser.postMultipart(action.url, [
      ...Object.entries(action.form ?? {}).map(([name, value]) => ({ name, value })),
      {
        name: action.url === '/upload' ? 'file' : 'image',
        value: await images.noisyJpeg(32, 32),
        filename: 'p.jpg',
        contentType: 'image/jpeg',
      },
    ])
  }

  /** Tries each action as `browser`: 403, and nothing changed. */
  async function refused(browser: Browser, actions: Action[]): Promise<number> {
    const failures: string[] = []
    for (const action of actions) {
      const before = await snapshot(world.site.app.db)
      const response = await send(browser, action)
      if (response.statusCode !== 403)
        failures.push(`${action.what}: ${response.statusCode} ${response.body.slice(0, 120)}`)
      if ((await snapshot(world.site.app.db)) !== before)
        failures.push(`${action.what}: the data changed`)
    }
    assert.deepEqual(failures, [])
    return actions.length
  }

  const ownerActions = (): Action[] => [
    {
      what: 'edit the post',
      url: `/p/${world.alicePost}/edit`,
      form: { title: 'taken', description: 'taken', alt_text: '' },
    },
    {
      what: "delete alice's comment",
      url: `/p/${world.alicePost}/comment/${world.aliceComment}/delete`,
    },
    {
      what: 'delete a comment on her post',
      url: `/p/${world.alicePost}/comment/${world.carolComment}/delete`,
    },
    {
      what: 'update the shake',
      url: `/shake/${world.group}/update`,
      form: { title: 'taken', description: 'taken' },
    },
    { what: "set the shake's picture", url: `/shake/${world.group}/update/image`, image: true },
    { what: 'invite into the shake', url: `/shake/${world.group}/invite`, form: { name: 'bob' } },
    { what: 'approve a request', url: `/shake/${world.group}/approve`, form: { name: 'dave' } },
    { what: 'decline a request', url: `/shake/${world.group}/decline`, form: { name: 'dave' } },
    { what: 'remove a member', url: `/shake/${world.group}/remove`, form: { name: 'carol' } },
    {
      what: 'take a post out of the shake',
      url: `/p/${world.groupPost}/remove-from-shake`,
      form: { shake: world.group },
    },
    { what: 'delete the post', url: `/p/${world.alicePost}/delete` },
  ]

  // What only members may do: refused to the stranger, not to carol.
  const memberActions = (): Action[] => [
    {
      what: 'post into the shake',
      url: '/upload',
      image: true,
      form: { title: 'intruder', shake_id: groupId },
    },
    {
      what: 'add a post to the shake',
      url: `/p/${bobPost}/add-to-shake`,
      form: { shake: world.group },
    },
    { what: 'save into the shake', url: `/p/${world.alicePost}/save`, form: { shake_id: groupId } },
  ]

  // What only operators may do, each on a target that exists (a failed BullMQ job needs Redis:
  // its own test below).
  const operatorActions = (): Action[] => [
    { what: 'mark a person NSFW', url: '/user/dave/nsfw/on' },
    { what: 'retry a dead outbox row', url: `/admin/outbox/${deadOutboxId}/retry` },
    { what: 'discard a dead outbox row', url: `/admin/outbox/${deadOutboxId}/discard` },
  ]

  it('refuses every owner action to a stranger', async () => {
    const actions = [...ownerActions(), ...memberActions(), ...operatorActions()]
    await table.attack('stranger edits/deletes/manages', () => refused(world.bob, actions))
  })

  it('refuses the owner actions to a member who manages nothing', async () => {
    // carol may take her own post out of the group and delete her own comment; the rest is
    // alice's.
    const hers = ['take a post out of the shake', 'delete a comment on her post']
    const actions = ownerActions().filter((a) => !hers.includes(a.what))
    await table.attack('member acts as the owner', () =>
      refused(world.carol, [...actions, ...operatorActions()]),
    )
  })

  it('keeps operator pages from people who are not operators', async () => {
    await table.attack('stranger opens operator pages', async () => {
      const paths = ['/admin/queues', '/healthy/details']
      for (const path of paths) {
        const response = await world.bob.get(path)
        assert.equal(response.statusCode, 403, path)
        assert.doesNotMatch(response.body, /outbox|waiting/i)
      }
      return paths.length
    })
  })

  it('changes only the signed-in account, whatever ids the form names', async () => {
    await table.attack('settings of another user (ids in the form)', async () => {
      const alice = await world.site.app.db
        .selectFrom('user')
        .selectAll()
        .where('name', '=', 'alice')
        .executeTakeFirstOrThrow()
      await world.bob.get('/account/settings/profile')
      const saved = await world.bob.post('/account/settings/profile', {
        full_name: 'Not Alice',
        about: 'x',
        website: '',
        user_id: String(alice.id),
        id: String(alice.id),
        name: 'alice',
      })
      assert.equal(saved.statusCode, 303)
      const after = await world.site.app.db
        .selectFrom('user')
        .selectAll()
        .where('name', '=', 'alice')
        .executeTakeFirstOrThrow()
      assert.deepEqual(after, alice)
      const bob = await world.site.app.db
        .selectFrom('user')
        .select('full_name')
        .where('name', '=', 'bob')
        .executeTakeFirstOrThrow()
      assert.equal(bob.full_name, 'Not Alice')
      return 1
    })
  })

  it('lets the owner do all of it (the refusals were about who asked)', async () => {
    await table.attack(
      'control: the owner succeeds',
      async () => {
        // Approving dave answers his request, so there is none left to decline; retrying the
        // dead row would leave none to discard.
        const actions = [...ownerActions(), ...operatorActions()].filter(
          (a) => a.what !== 'decline a request' && a.what !== 'retry a dead outbox row',
        )
        for (const action of actions) {
          const response = await send(world.alice, action)
          assert.ok(response.statusCode < 400, `${action.what}: ${response.statusCode}`)
        }
        return actions.length
      },
      'accepted',
    )
  })

  it('keeps failed jobs from people who are not operators', { skip: skipRedis }, async () => {
    const site = await createTestSite({ REDIS_URL: redisUrl })
    const { Queue, Worker } = await import('bullmq')
    const connection = { url: redisUrl }
    const prefix = site.config.redisPrefix
    const queue = new Queue('social', { connection, prefix })
    // A worker that fails every job it takes, so the queue holds a real failed job.
    const failing = new Worker(
      'social',
      async () => {
        throw new Error('boom')
      },
      { connection, prefix },
    )
    try {
      const admin = await signUp(site.app, 'operator')
      await grantRole(site.app, 'operator', 'admin')
      const someone = await signUp(site.app, 'someone')
      const moderator = await signUp(site.app, 'mira')
      await grantRole(site.app, 'mira', 'moderator')
      const job = await queue.add('after-like', { payload: {} }, { attempts: 1 })
      await eventually(async () => (await job.getState()) === 'failed', 10_000, 'the job to fail')
      await failing.close()
      await table.attack('non-operators settle a failed job', async () => {
        const actions = ['retry', 'discard']
        for (const browser of [someone, moderator]) {
          for (const action of actions) {
            await browser.get('/')
            const response = await browser.post(`/admin/queues/social/${job.id}/${action}`, {})
            assert.equal(response.statusCode, 403, action)
            assert.equal(await job.getState(), 'failed', `${action} left the job as it was`)
          }
        }
        await admin.get('/')
        const retried = await admin.post(`/admin/queues/social/${job.id}/retry`, {})
        assert.equal(retried.statusCode, 303, 'control: the operator retries it')
        assert.equal(await job.getState(), 'waiting')
        return actions.length * 2
      })
    } finally {
      await failing.close()
      await queue.obliterate({ force: true })
      await queue.close()
      await site.close()
    }
  })
})

/** A dead outbox row, as a job that failed every attempt leaves: the operator rows' target. */
async function deadOutboxRow(world: World): Promise<number> {
  const now = '2026-01-01 00:00:00'
  const dave = await world.site.app.db
    .selectFrom('user')
    .select('id')
    .where('name', '=', 'dave')
    .executeTakeFirstOrThrow()
  const inserted = await world.site.app.db
    .insertInto('outbox')
    .values({
      job: 'after-follow',
      payload: JSON.stringify({ userId: dave.id, shakeId: 1 }),
      status: 'dead',
      attempts: 6,
      available_at: now,
      last_error: 'boom',
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(inserted.insertId)
}
