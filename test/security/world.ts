// The small site every security suite attacks: three people, posts, comments and a group shake
// with a member and a pending request, so each edit, delete and membership route has a real
// target owned by someone.
import assert from 'node:assert/strict'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { type Browser, location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

export interface World {
  site: TestSite
  /** Owns the posts and the group shake; an operator, so admin routes have a real user. */
  alice: Browser
  /** The stranger: signed in, owns nothing of alice's. */
  bob: Browser
  /** A member of alice's group shake. */
  carol: Browser
  /** Has asked to join alice's group shake. */
  dave: Browser
  alicePost: string
  /** carol's post in alice's group shake. */
  groupPost: string
  /** alice's own comment, and carol's, both on alice's post. */
  aliceComment: number
  carolComment: number
  group: string
}

export const GROUP = 'alicegroup'

async function commentId(world: Pick<World, 'site'>, body: string): Promise<number> {
  const row = await world.site.app.db
    .selectFrom('comment')
    .select('id')
    .where('body', '=', body)
    .executeTakeFirstOrThrow()
  return row.id
}

export async function createWorld(overrides: Record<string, string> = {}): Promise<World> {
  const site = await createTestSite({
    RATE_LIMIT_UPLOAD: '10000/60',
    RATE_LIMIT_SIGN_IN: '10000/60',
    RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
    RATE_LIMIT_FORGOT_PASSWORD: '10000/60',
    ...overrides,
  })
  const alice = await signUp(site.app, 'alice')
  const bob = await signUp(site.app, 'bob')
  const carol = await signUp(site.app, 'carol')
  const dave = await signUp(site.app, 'dave')
  await site.app.db.updateTable('user').set({ role: 'admin' }).where('name', '=', 'alice').execute()

  const alicePost = await post(alice, 'alice original')
  await alice.get('/shake/create')
  const created = await alice.post('/shake/create', {
    name: GROUP,
    title: 'Alice group',
    description: 'for friends',
  })
  assert.equal(created.statusCode, 303, created.body.slice(0, 300))
  await alice.get(`/shake/${GROUP}/members`)
  assert.equal((await alice.post(`/shake/${GROUP}/invite`, { name: 'carol' })).statusCode, 303)
  assert.equal((await postJson(carol, `/shake/${GROUP}/accept`)).status < 400, true)
  assert.equal((await postJson(dave, `/shake/${GROUP}/request`)).status < 400, true)
  const shake = await site.app.db
    .selectFrom('shake')
    .select('id')
    .where('name', '=', GROUP)
    .executeTakeFirstOrThrow()
  await carol.get('/tools/new-post')
  const uploaded = await carol.postMultipart('/upload', [
    { name: 'title', value: 'carol in the group' },
    { name: 'shake_id', value: String(shake.id) },
    {
      name: 'file',
      value: await images.noisyJpeg(40, 40),
      filename: 'g.jpg',
      contentType: 'image/jpeg',
    },
  ])
  assert.equal(uploaded.statusCode, 302, uploaded.body.slice(0, 300))
  const groupPost = (location(uploaded) as string).slice('/p/'.length)

  assert.equal(
    (await postJson(alice, `/p/${alicePost}/comment`, { body: 'alice says' })).status,
    200,
  )
  assert.equal(
    (await postJson(carol, `/p/${alicePost}/comment`, { body: 'carol says' })).status,
    200,
  )
  // Follow-up work (fan-outs, the upload's AVIF and WebP) done before any attack is measured.
  await settle(site.app)
  const world = { site }
  return {
    site,
    alice,
    bob,
    carol,
    dave,
    alicePost,
    groupPost,
    aliceComment: await commentId(world, 'alice says'),
    carolComment: await commentId(world, 'carol says'),
    group: GROUP,
  }
}
