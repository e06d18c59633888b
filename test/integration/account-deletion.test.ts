// Account deletion: confirmed with the password (and CSRF), signed out at once, erased by a job
// that leaves no row naming the user, fixes the counters on other people's posts, removes the
// files only the user's posts used and keeps those shared with others. Files live on s3rver in
// the MySQL run.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import type { DB } from '../../src/db/schema.js'
import { runJob } from '../../src/jobs/definitions.js'
import { PASSWORD, signIn, signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite, useS3 } from '../helpers/app.js'
import { Browser, location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { jobContext, settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

/** Every column that names a user, table by table. */
const userColumns: Array<[keyof DB, string]> = [
  ['shake', 'user_id'],
  ['session', 'user_id'],
  ['user_token', 'user_id'],
  ['sharedfile', 'user_id'],
  ['favorite', 'user_id'],
  ['comment', 'user_id'],
  ['comment_like', 'user_id'],
  ['subscription', 'user_id'],
  ['post', 'user_id'],
  ['notification', 'sender_id'],
  ['notification', 'receiver_id'],
  ['conversation', 'user_id'],
  ['nsfw_log', 'user_id'],
  ['shake_manager', 'user_id'],
  ['membership_request', 'user_id'],
  ['user_block', 'user_id'],
  ['user_block', 'blocked_user_id'],
  ['user_mute', 'user_id'],
  ['data_export', 'user_id'],
]

async function rowsNaming(db: Kysely<DB>, userId: number): Promise<string[]> {
  const found: string[] = []
  for (const [table, column] of userColumns) {
    const rows = await db
      .selectFrom(table)
      // biome-ignore lint/suspicious/noExplicitAny: the column list above is checked by hand
      .select(column as any)
      // biome-ignore lint/suspicious/noExplicitAny: as above
      .where(column as any, '=', userId)
      .execute()
    if (rows.length > 0) found.push(`${table}.${column}: ${rows.length}`)
  }
  const muted = await db
    .selectFrom('user_mute')
    .select('id')
    .where('kind', '=', 'user')
    .where('target_id', '=', userId)
    .execute()
  if (muted.length > 0) found.push(`user_mute.target_id: ${muted.length}`)
  return found
}

describe(`account deletion (${onMysql ? 'MySQL, files on S3' : 'SQLite, local files'})`, () => {
  let site: TestSite
  let zed: Browser
  let amy: Browser
  let ben: Browser
  let cal: Browser

  before(async () => {
    site = await createTestSite(
      {
        RATE_LIMIT_UPLOAD: '1000/60',
        RATE_LIMIT_SIGN_IN: '1000/60',
        RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
        MAGIC_THRESHOLD: '100',
      },
      { s3: useS3 },
    )
    zed = await signUp(site.app, 'zed')
    amy = await signUp(site.app, 'amy')
    ben = await signUp(site.app, 'ben')
    cal = await signUp(site.app, 'cal')
  })
  after(() => site.close())

  const db = () => site.app.db
  const idOf = async (name: string) =>
    (await db().selectFrom('user').select('id').where('name', '=', name).executeTakeFirstOrThrow())
      .id
  const postRow = (key: string) =>
    db()
      .selectFrom('sharedfile as p')
      .innerJoin('sourcefile as s', 's.id', 'p.sourcefile_id')
      .select(['p.id', 'p.like_count', 'p.save_count', 's.id as sourcefile_id', 's.renditions'])
      .where('p.id', '=', Number.parseInt(key, 36))
      .executeTakeFirst()
  const keysOf = async (key: string) =>
    (JSON.parse((await postRow(key))?.renditions ?? '[]') as Array<{ key: string }>).map(
      (r) => r.key,
    )
  const stored = async (keys: string[]) =>
    Promise.all(keys.map((key) => site.app.fileStore.exists(key)))

  async function save(browser: Browser, key: string): Promise<string> {
    await browser.get(`/p/${key}`)
    const saved = await browser.post(`/p/${key}/save`, {})
    assert.equal(saved.statusCode, 303)
    return (location(saved) as string).slice(3)
  }

  async function joinGroup(member: Browser, memberName: string, shake: string) {
    await member.get(`/${shake}`)
    assert.equal((await member.post(`/shake/${shake}/request`, {})).statusCode, 303)
    await zed.get(`/shake/${shake}/members`)
    const approved = await zed.post(`/shake/${shake}/approve`, { name: memberName })
    assert.equal(approved.statusCode, 303)
  }

  it('erases the account and everything it left behind, by a job', async () => {
    // What zed builds up, and what other people do with it.
    const shared = await images.noisyJpeg(44, 44)
    const amyShared = await post(amy, 'amy, same bytes as zed', shared)
    const zedShared = await post(zed, 'zed, same bytes as amy', shared)
    const zedOnly = await post(zed, 'zed alone')
    const zedSavedByBen = await post(zed, 'zed, saved by ben')
    const amyPost = await post(amy, 'amy post')
    assert.equal(
      (await postRow(zedShared))?.sourcefile_id,
      (await postRow(amyShared))?.sourcefile_id,
    )
    const zedOnlyKeys = await keysOf(zedOnly)
    const sharedKeys = await keysOf(zedShared)
    const savedKeys = await keysOf(zedSavedByBen)
    assert.deepEqual(
      new Set(await stored([...zedOnlyKeys, ...sharedKeys, ...savedKeys])),
      new Set([true]),
    )

    await zed.get('/account/settings/profile')
    const photo = await zed.postMultipart('/account/settings/profile/photo', [
      {
        name: 'photo',
        value: await images.noisyJpeg(64, 64),
        filename: 'me.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.ok([302, 303].includes(photo.statusCode), photo.body.slice(0, 200))
    const avatarKey = (await site.app.accounts.findUser(await idOf('zed')))?.avatarKey
    assert.ok(avatarKey)

    assert.equal((await postJson(zed, `/p/${amyPost}/like`)).status, 200)
    const zedSave = await save(zed, amyPost)
    const benSave = await save(ben, zedSavedByBen)
    assert.equal((await postJson(amy, `/p/${zedOnly}/like`)).status, 200)
    assert.equal((await postJson(amy, `/p/${zedSave}/like`)).status, 200)
    await amy.get(`/p/${zedOnly}`)
    await amy.post(`/p/${zedOnly}/comment`, { body: 'amy on zed' })
    await amy.get(`/p/${amyPost}`)
    await amy.post(`/p/${amyPost}/comment`, { body: 'amy on her own' })
    await zed.get(`/p/${amyPost}`)
    await zed.post(`/p/${amyPost}/comment`, { body: 'zed on amy' })
    const amyComment = await db()
      .selectFrom('comment')
      .select('id')
      .where('body', '=', 'amy on her own')
      .executeTakeFirstOrThrow()
    assert.equal((await postJson(zed, `/p/${amyPost}/comment/${amyComment.id}/like`)).status, 200)
    await zed.get('/')
    await zed.post('/user/amy/subscribe', {})
    await amy.post('/user/zed/subscribe', {})
    await zed.post('/user/cal/block', {})
    await zed.post('/user/amy/mute', {})
    await cal.get('/')
    await cal.post('/user/zed/mute', {})

    await zed.get('/shake/create')
    await zed.post('/shake/create', { name: 'zedgroup', title: 'Zed group', description: '' })
    await zed.post('/shake/create', { name: 'zedsolo', title: 'Zed solo', description: '' })
    await joinGroup(ben, 'ben', 'zedgroup')
    await joinGroup(amy, 'amy', 'zedgroup')
    const groupId = (
      await db()
        .selectFrom('shake')
        .select('id')
        .where('name', '=', 'zedgroup')
        .executeTakeFirstOrThrow()
    ).id
    await ben.get('/tools/new-post')
    const benInGroup = await ben.postMultipart('/upload', [
      { name: 'title', value: 'ben in zed group' },
      { name: 'shake_id', value: String(groupId) },
      {
        name: 'file',
        value: await images.noisyJpeg(40, 40),
        filename: 'b.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(benInGroup.statusCode, 302)

    await zed.get('/account/settings/data')
    assert.equal((await zed.post('/account/export', {})).statusCode, 303)
    await settle(site.app)
    const exportKey = (
      await db().selectFrom('data_export').select('storage_key').executeTakeFirstOrThrow()
    ).storage_key as string
    assert.deepEqual(await stored([exportKey]), [true])

    const amyPostBefore = await postRow(amyPost)
    // zed's like; amy's like of zed's save of it is never credited to her own post.
    assert.equal(amyPostBefore?.like_count, 1, "zed's like")
    assert.equal(amyPostBefore?.save_count, 1)

    // A second device of zed's, to see it signed out too.
    const zedPhone = await signIn(site.app, 'zed')
    const zedId = await idOf('zed')

    // The confirmation: the password is required, and the form's CSRF token.
    await zed.get('/account/settings/data')
    const wrong = await zed.post('/account/delete', { password: 'not my password' })
    assert.equal(wrong.statusCode, 403)
    assert.match(wrong.body, /password is not right/)
    const forged = await zed.post('/account/delete', { password: PASSWORD }, { csrf: false })
    assert.equal(forged.statusCode, 403)
    assert.equal((await zedPhone.get('/account/settings')).statusCode, 200, 'still signed in')

    const deleted = await zed.post('/account/delete', { password: PASSWORD })
    assert.equal(deleted.statusCode, 200)
    assert.match(deleted.body, /Your account is deleted/)
    assert.doesNotMatch(deleted.body, /action="\/sign-out"/, 'the page shows nobody signed in')
    assert.equal((await zedPhone.get('/account/settings')).statusCode, 302, 'other devices out')
    assert.equal((await zed.get('/account/settings')).statusCode, 302)
    const again = new Browser(site.app)
    await again.get('/sign-in')
    assert.equal(
      (await again.post('/sign-in', { name: 'zed', password: PASSWORD })).statusCode,
      401,
    )
    assert.equal((await amy.get(`/p/${zedOnly}`)).statusCode, 404, 'posts are gone at once')

    await settle(site.app)
    assert.deepEqual(await rowsNaming(db(), zedId), [], 'no row names zed')
    const tombstone = await db()
      .selectFrom('user')
      .selectAll()
      .where('id', '=', zedId)
      .executeTakeFirstOrThrow()
    assert.equal(tombstone.deleted, 1)
    assert.equal(tombstone.name, 'zed')
    assert.equal(tombstone.hashed_password, '')
    assert.notEqual(tombstone.email, 'zed@example.com')
    assert.equal(tombstone.avatar_key, null)
    for (const key of [zedOnly, zedShared, zedSavedByBen, zedSave])
      assert.equal(await postRow(key), undefined, `post ${key} is gone`)

    // Counters on other people's posts and comments are right again.
    const amyPostAfter = await postRow(amyPost)
    assert.equal(amyPostAfter?.like_count, 0)
    assert.equal(amyPostAfter?.save_count, 0)
    const amyCommentAfter = await db()
      .selectFrom('comment')
      .select('like_count')
      .where('id', '=', amyComment.id)
      .executeTakeFirstOrThrow()
    assert.equal(amyCommentAfter.like_count, 0)
    assert.equal(
      (await db().selectFrom('comment').select('id').where('body', '=', 'amy on zed').execute())
        .length,
      0,
      "comments on zed's posts go with them",
    )

    // Files: only zed's are removed; images someone else posts too stay.
    assert.deepEqual(new Set(await stored(zedOnlyKeys)), new Set([false]), 'only zed used it')
    assert.deepEqual(await stored([avatarKey, exportKey]), [false, false])
    assert.deepEqual(new Set(await stored(sharedKeys)), new Set([true]), 'amy posts it too')
    assert.deepEqual(new Set(await stored(savedKeys)), new Set([true]), "ben's save shows it")
    assert.equal((await ben.get(`/p/${benSave}`)).statusCode, 200)
    assert.equal((await ben.get(`/r/${benSave}`)).statusCode, 200)
    assert.equal((await amy.get(`/r/${amyShared}`)).statusCode, 200)

    // The group shake goes to its longest member; the one without members is gone.
    const group = await db()
      .selectFrom('shake')
      .selectAll()
      .where('name', '=', 'zedgroup')
      .executeTakeFirstOrThrow()
    assert.equal(group.user_id, await idOf('ben'))
    const members = await db()
      .selectFrom('shake_manager')
      .select('user_id')
      .where('shake_id', '=', group.id)
      .execute()
    assert.deepEqual(
      members.map((m) => m.user_id),
      [await idOf('amy')],
    )
    assert.equal((await ben.get('/zedgroup')).statusCode, 200)
    assert.match((await ben.get('/zedgroup')).body, /ben in zed group/)
    assert.equal(
      await db().selectFrom('shake').select('id').where('name', '=', 'zedsolo').executeTakeFirst(),
      undefined,
    )
    assert.equal((await amy.get('/user/zed')).statusCode, 404)

    // The name stays reserved; the address is free for a new account.
    const newcomer = new Browser(site.app)
    await newcomer.get('/create-account')
    const taken = await newcomer.post('/create-account', {
      name: 'zed',
      email: 'someone@example.com',
      password: PASSWORD,
      password_again: PASSWORD,
    })
    assert.equal(taken.statusCode, 409)
    assert.match(taken.body, /That name is taken/)
    await signUp(site.app, 'zedagain', 'zed@example.com')
    await amy.get('/shake/create')
    assert.equal(
      (await amy.post('/shake/create', { name: 'zed', title: 'Zed', description: '' })).statusCode,
      409,
    )
  })

  it('is what a moderator calls for any account, with a reason; locked while the job waits', async () => {
    const calId = await idOf('cal')
    const calPost = await post(cal, 'cal post')
    const moderator = await idOf('amy')
    // Stop the runner: the account must be unusable before the job has done anything.
    await site.app.jobs.relay.stop()
    const request = { reason: 'spam', requestedBy: moderator }
    assert.equal(await site.app.accountDeletion.request(calId, request), true)
    assert.equal(await site.app.accountDeletion.request(calId, request), false, 'only once')
    assert.equal((await cal.get('/account/settings')).statusCode, 302, 'signed out')
    const attempt = new Browser(site.app)
    await attempt.get('/sign-in')
    assert.equal(
      (await attempt.post('/sign-in', { name: 'cal', password: PASSWORD })).statusCode,
      401,
    )
    assert.equal((await amy.get(`/p/${calPost}`)).statusCode, 404, 'hidden at once')
    const waiting = await db()
      .selectFrom('outbox')
      .select(['payload', 'status'])
      .where('job', '=', 'delete-account')
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow()
    assert.ok(await postRow(calPost), 'nothing erased yet')
    const payload = JSON.parse(waiting.payload)
    assert.deepEqual(payload, { userId: calId, reason: 'spam', requestedBy: moderator })

    // What the runner would do with the row.
    await runJob(jobContext(site.app), 'delete-account', payload)
    assert.deepEqual(await rowsNaming(db(), calId), [])
    assert.equal(await postRow(calPost), undefined)
    // Running it again (a retried job) is harmless.
    await runJob(jobContext(site.app), 'delete-account', payload)
  })
})
