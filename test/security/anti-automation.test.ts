// Scripts that write as fast as they can (OWASP ASVS V11.1.4): with the shipped limits, a
// burst of comments, likes, saves, follows, shakes, invitations, reports or API writes is cut
// off with 429 and a Retry-After in seconds, on pages and in JSON, and nothing past the limit
// is stored; a person's pace never meets a limit, and one writer's limit is not another's.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { loadConfig } from '../../src/config.js'
import { signUp } from '../helpers/accounts.js'
import { apiClient, grantTokens, registerApp } from '../helpers/api.js'
import { onMysql, withTwoNodes } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import type { Browser } from '../helpers/browser.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { post, postJson } from '../helpers/social.js'
import { createWorld, type World } from './world.js'

/** Sends until the first 429; returns how many were accepted before it, and the refusal. */
async function burst(
  limit: number,
  send: (i: number) => Promise<LightMyRequestResponse>,
  answered = (status: number) => status < 400,
): Promise<{ accepted: number; refusal: LightMyRequestResponse }> {
  for (let i = 0; i < limit + 5; i++) {
    const response = await send(i)
    if (response.statusCode === 429) return { accepted: i, refusal: response }
    assert.ok(
      answered(response.statusCode),
      `attempt ${i}: ${response.statusCode} ${response.body.slice(0, 200)}`,
    )
  }
  assert.fail(`no 429 after ${limit + 5} attempts`)
}

/** A refusal a person can read and a script can obey. */
function readableRefusal(response: LightMyRequestResponse, json: boolean) {
  const retryAfter = String(response.headers['retry-after'])
  assert.match(retryAfter, /^[1-9][0-9]*$/, `Retry-After in whole seconds: ${retryAfter}`)
  if (json) {
    assert.match(String(response.headers['content-type']), /application\/json/)
    assert.match(
      String(JSON.parse(response.body).error ?? JSON.parse(response.body).error_description),
      /Please wait/,
    )
  } else {
    assert.match(String(response.headers['content-type']), /text\/html/)
    assert.match(response.body, /Slow down/)
    assert.match(response.body, /Please wait/)
  }
}

const json = { headers: { accept: 'application/json' } }

describe(`anti-automation for writes (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const table = new AttackTable('anti-automation', '429 with Retry-After, nothing stored past it')
  // The shipped defaults, as an operator who sets nothing gets them.
  const limits = loadConfig({}).writeLimits
  let world: World
  let count: (
    table: 'comment' | 'shake' | 'favorite' | 'report',
    where?: [string, number],
  ) => Promise<number>
  const idOf = async (name: string) =>
    (
      await world.site.app.db
        .selectFrom('user')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
    ).id
  before(async () => {
    world = await createWorld()
    count = async (name, where) => {
      let query = world.site.app.db
        .selectFrom(name)
        .select((eb) => eb.fn.countAll<number>().as('n'))
      // biome-ignore lint/suspicious/noExplicitAny: the column is one of the table's
      if (where) query = query.where(where[0] as any, '=', where[1])
      return Number((await query.executeTakeFirstOrThrow()).n)
    }
  })
  after(async () => {
    await world?.site.close()
  })

  it('ships limits people never meet and scripts always do', () => {
    for (const [action, windows] of Object.entries(limits)) {
      const burstLimit = windows[0]
      assert.ok(burstLimit, action)
      // A script doing one a second meets the per-hour window; a person a few a minute does not.
      assert.ok(
        windows.some((w) => w.max / w.windowSeconds < 1),
        `${action} has a sustained window`,
      )
      assert.ok(burstLimit.max >= 3, `${action}: a person's burst fits`)
    }
    assert.deepEqual(limits.comment, [
      { max: 10, windowSeconds: 60 },
      { max: 100, windowSeconds: 3600 },
    ])
    assert.ok(
      limits.createShake[0] && limits.createShake[0].max < 5,
      'five shakes in a row are refused',
    )
  })

  it('cuts off a burst of comments, on the page and in JSON', async () => {
    await table.attack('comments: 40 in a row (page, JSON)', async () => {
      const max = limits.comment[0]?.max ?? 0
      const before = await count('comment')
      const page = await burst(max, async (i) => {
        await world.bob.get(`/p/${world.alicePost}`)
        return world.bob.post(`/p/${world.alicePost}/comment`, { body: `flood ${i}` })
      })
      assert.equal(page.accepted, max)
      readableRefusal(page.refusal, false)
      const again = await world.bob.post(`/p/${world.alicePost}/comment`, { body: 'more' }, json)
      assert.equal(again.statusCode, 429)
      readableRefusal(again, true)
      assert.equal(await count('comment'), before + max, 'nothing stored past the limit')
      // Another writer is not held back by bob's limit.
      await world.carol.get(`/p/${world.alicePost}`)
      const carol = await world.carol.post(`/p/${world.alicePost}/comment`, { body: 'hi' }, json)
      assert.equal(carol.statusCode, 200)
      return max + 2
    })
  })

  it('cuts off likes and unlikes from one budget, and saves', async () => {
    await table.attack('likes and unlikes, saves', async () => {
      const likeMax = limits.like[0]?.max ?? 0
      const dave = world.dave
      await dave.get(`/p/${world.alicePost}`)
      const likes = await burst(likeMax, (i) =>
        dave.post(`/p/${world.alicePost}/${i % 2 ? 'unlike' : 'like'}`, {}, json),
      )
      assert.equal(likes.accepted, likeMax)
      readableRefusal(likes.refusal, true)
      const liked = await count('favorite', ['user_id', await idOf('dave')])
      assert.ok(liked <= 1, 'at most one like stands')
      const saveMax = limits.save[0]?.max ?? 0
      const saves = await burst(saveMax, () => dave.post(`/p/${world.alicePost}/save`, {}, json))
      assert.equal(saves.accepted, saveMax)
      readableRefusal(saves.refusal, true)
      return likeMax + saveMax + 2
    })
  })

  it('cuts off follows, shake creation and invitations', async () => {
    await table.attack('follows, shakes, invitations, join requests', async () => {
      const carol = world.carol
      await carol.get('/user/bob')
      const followMax = limits.follow[0]?.max ?? 0
      const follows = await burst(followMax, (i) =>
        carol.post(`/user/bob/${i % 2 ? 'unsubscribe' : 'subscribe'}`, {}),
      )
      assert.equal(follows.accepted, followMax)
      readableRefusal(follows.refusal, false)

      const shakeMax = limits.createShake[0]?.max ?? 0
      const shakesBefore = await count('shake')
      await carol.get('/shake/create')
      const shakes = await burst(shakeMax, (i) =>
        carol.post('/shake/create', {
          name: `carolshake${i}`,
          title: `Carol ${i}`,
          description: '',
        }),
      )
      assert.equal(shakes.accepted, shakeMax)
      readableRefusal(shakes.refusal, false)
      assert.equal(await count('shake'), shakesBefore + shakeMax, 'no shake past the limit')

      const inviteMax = limits.invite[0]?.max ?? 0
      await carol.get('/shake/carolshake0/members')
      // An unknown name is refused (404) but still counts: probing names is what scripts do.
      const invites = await burst(
        inviteMax,
        (i) => carol.post('/shake/carolshake0/invite', { name: `nobody${i}` }, json),
        (status) => status === 404,
      )
      assert.equal(invites.accepted, inviteMax)
      readableRefusal(invites.refusal, true)
      return followMax + shakeMax + inviteMax + 3
    })
  })

  it('cuts off reports', async () => {
    await table.attack('reports', async () => {
      const max = world.site.config.rateLimits.report.max
      const reports = await burst(max, (i) =>
        world.bob.post(`/report/post/${world.alicePost}`, { reason: 'spam', note: `${i}` }, json),
      )
      assert.equal(reports.accepted, max)
      readableRefusal(reports.refusal, true)
      return max + 1
    })
  })

  it('cuts off API writes per user, whichever token', async () => {
    await table.attack('API writes (bearer token)', async () => {
      const client = await registerApp(world.bob)
      const tokens = await grantTokens(world.site.app, world.bob, client)
      const api = apiClient(world.site.app, tokens.access)
      const key = await post(world.alice as Browser, 'for the api flood')
      const max = limits.apiWrite[0]?.max ?? 0
      let accepted = 0
      let refusal: Awaited<ReturnType<typeof api.post>> | undefined
      for (let i = 0; i < max + 5 && !refusal; i++) {
        const answer = await api.post(`/api/sharedfile/${key}/like`)
        if (answer.status === 429) refusal = answer
        else accepted++
      }
      assert.equal(accepted, max)
      assert.ok(refusal)
      assert.match(String(refusal.headers['retry-after']), /^[1-9][0-9]*$/)
      assert.equal(refusal.body.error, 'rate_limited')
      // Reads are not writes: the same token still reads.
      assert.equal((await api.get(`/api/sharedfile/${key}`)).status, 200)
      return max + 1
    })
  })
})

describe('write limits shared through Redis, with a sustained window', async () => {
  const table = new AttackTable('anti-automation', '429 with Retry-After, nothing stored past it')
  const skip = await skipUnless('Redis', redisUrl)

  it('counts every node and every window together', { skip }, async () => {
    await table.attack('comments spread over two nodes (Redis), hourly window', async () => {
      // A generous burst window, a small hourly one: the second window must count too.
      const env = {
        REDIS_URL: redisUrl,
        RATE_LIMIT_COMMENT: '100/60,3/3600',
        RATE_LIMIT_UPLOAD: '100/60',
      }
      return withTwoNodes(env, async (site, other) => {
        const alice = await signUp(site.app, 'alice')
        const key = await post(alice, 'spread')
        const statuses: number[] = []
        for (let i = 0; i < 5; i++) {
          alice.app = i % 2 ? other : site.app
          statuses.push((await postJson(alice, `/p/${key}/comment`, { body: `n${i}` })).status)
        }
        assert.deepEqual(statuses, [200, 200, 200, 429, 429])
        return statuses.length
      })
    })
  })
})
