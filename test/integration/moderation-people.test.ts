// Moderating people: roles decide who reaches which page, the dossier, marking someone NSFW,
// setting roles, and handing a group shake to a member.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

describe(`moderating people (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  let mira: Browser
  let root: Browser
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_UPLOAD: '1000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
    })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
    mira = await signUp(site.app, 'mira')
    root = await signUp(site.app, 'root1')
    await grantRole(site.app, 'mira', 'moderator')
    await grantRole(site.app, 'root1', 'admin')
  })
  after(() => site.close())

  const logRows = () =>
    site.app.db
      .selectFrom('moderation_log as l')
      .innerJoin('user as m', 'm.id', 'l.moderator_id')
      .leftJoin('user as t', 't.id', 'l.target_user_id')
      .select(['m.name as moderator', 'l.action', 't.name as target', 'l.detail', 'l.note'])
      .orderBy('l.id')
      .execute()

  it('lets only moderators and admins reach the moderation pages and actions', async () => {
    const key = await post(alice, 'a post')
    const pages = [
      '/admin',
      '/admin/reports',
      '/admin/log',
      '/admin/takedown',
      '/admin/users/alice',
      '/admin/users?name=alice',
    ]
    const actions: Array<[string, Record<string, string>]> = [
      ['/user/alice/nsfw/on', {}],
      ['/admin/takedown', { key, note: 'x' }],
      ['/admin/reports/1/resolve', { note: '' }],
      ['/admin/users/alice/role', { role: 'admin' }],
      ['/admin/users/alice/delete', { note: 'x', confirm: 'alice' }],
    ]
    for (const url of pages) {
      assert.equal((await carol.get(url)).statusCode, 403, `member GET ${url}`)
      const visitor = await new Browser(site.app).get(url)
      assert.equal(visitor.statusCode, 302, `visitor GET ${url}`)
      assert.match(visitor.headers.location as string, /^\/sign-in\?next=/)
      assert.notEqual((await mira.get(url)).statusCode, 403, `moderator GET ${url}`)
      assert.notEqual((await root.get(url)).statusCode, 403, `admin GET ${url}`)
    }
    await carol.get('/')
    for (const [url, form] of actions) {
      assert.equal((await carol.post(url, form)).statusCode, 403, `member POST ${url}`)
    }
    // Roles and the operator pages are for admins only.
    await mira.get('/')
    assert.equal((await mira.post('/admin/users/alice/role', { role: 'admin' })).statusCode, 403)
    assert.equal((await mira.get('/admin/queues')).statusCode, 403)
    assert.equal((await root.get('/admin/queues')).statusCode, 200)
    assert.deepEqual(await logRows(), [], 'nothing was done')
    assert.equal((await carol.get(`/r/${key}`)).statusCode, 200)
    // The moderation links show for moderators only.
    assert.doesNotMatch((await carol.get('/')).body, /href="\/admin\/reports"/)
    assert.match((await mira.get('/')).body, /href="\/admin\/reports"/)
  })

  it('shows a dossier: account facts, posts, comments, sessions, shakes', async () => {
    const key = await post(bob, 'bob’s <post>')
    assert.equal((await postJson(bob, `/p/${key}/comment`, { body: 'hello <there>' })).status, 200)
    await bob.get('/shake/create')
    await bob.post('/shake/create', { name: 'BobsPile', title: 'Bobs pile', description: '' })
    const page = (await mira.get('/admin/users/BOB')).body
    assert.match(page, /Dossier: <a href="\/user\/bob">bob<\/a>/)
    assert.match(page, /bob@example\.com/)
    assert.match(page, /<dt>Role<\/dt><dd>member<\/dd>/)
    assert.match(page, /<dt>NSFW<\/dt><dd>not marked<\/dd>/)
    assert.match(page, /1 live, 0 deleted/)
    assert.match(page, new RegExp(`href="/p/${key}"`))
    assert.match(page, /bob’s &lt;post&gt;/)
    assert.match(page, /hello &lt;there&gt;/)
    assert.match(page, /1 signed in\s+· last sign-in/)
    assert.match(page, /BobsPile<\/a> \(owner\)/)
    const secrets = await site.app.db
      .selectFrom('user')
      .select('hashed_password')
      .where('name', '=', 'bob')
      .executeTakeFirstOrThrow()
    const sessions = await site.app.db.selectFrom('session').select('id').execute()
    assert.ok(!page.includes(secrets.hashed_password))
    for (const s of sessions) assert.ok(!page.includes(s.id), 'no session id')
    assert.equal((await mira.get('/admin/users/nobody-at-all')).statusCode, 404)
    const search = await mira.get('/admin/users?name=bob')
    assert.equal(search.headers.location, '/admin/users/bob')
  })

  it('marks a person NSFW: covered, out of Incoming, logged with the note', async () => {
    const key = await post(alice, 'alice again')
    const covered = (body: string) => body.includes('class="nsfw-cover"')
    assert.match((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
    assert.equal(covered((await carol.get(`/p/${key}`)).body), false)

    await mira.get('/admin/users/alice')
    assert.match(mira.lastPage?.body ?? '', /action="\/user\/alice\/nsfw\/on"/)
    const marked = await mira.post('/user/alice/nsfw/on', {
      note: 'posts nudes unmarked',
      next: '/admin/users/alice',
    })
    assert.equal(marked.statusCode, 303)
    assert.equal(marked.headers.location, '/admin/users/alice')
    assert.match((await mira.get('/admin/users/alice')).body, /marked NSFW: posts covered/)
    assert.doesNotMatch((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
    assert.ok(covered((await carol.get(`/p/${key}`)).body))
    assert.ok(covered((await new Browser(site.app).get('/user/alice')).body))
    assert.equal((await mira.post('/user/alice/nsfw/maybe', {})).statusCode, 404)

    await mira.get('/user/alice')
    assert.equal((await mira.post('/user/alice/nsfw/off', {})).statusCode, 303)
    assert.match((await carol.get('/incoming')).body, new RegExp(`href="/p/${key}"`))
    assert.equal(covered((await carol.get(`/p/${key}`)).body), false)
    const log = await logRows()
    assert.deepEqual(
      log.map((r) => [r.moderator, r.action, r.target, r.note]),
      [
        ['mira', 'nsfw_on', 'alice', 'posts nudes unmarked'],
        ['mira', 'nsfw_off', 'alice', ''],
      ],
    )
    assert.match((await mira.get('/admin/log')).body, /posts nudes unmarked/)
  })

  it('lets admins set roles, never their own', async () => {
    await root.get('/admin/users/carol')
    assert.match(root.lastPage?.body ?? '', /action="\/admin\/users\/carol\/role"/)
    assert.equal((await root.post('/admin/users/carol/role', { role: 'king' })).statusCode, 400)
    assert.equal((await root.post('/admin/users/root1/role', { role: 'member' })).statusCode, 400)
    const set = await root.post('/admin/users/carol/role', { role: 'moderator', note: 'helps' })
    assert.equal(set.statusCode, 303)
    assert.equal((await carol.get('/admin/reports')).statusCode, 200)
    await root.get('/admin/users/carol')
    await root.post('/admin/users/carol/role', { role: 'member' })
    assert.equal((await carol.get('/admin/reports')).statusCode, 403)
    const roles = (await logRows()).filter((r) => r.action === 'set_role')
    assert.deepEqual(
      roles.map((r) => [r.moderator, r.target, r.detail, r.note]),
      [
        ['root1', 'carol', 'member -> moderator', 'helps'],
        ['root1', 'carol', 'moderator -> member', ''],
      ],
    )
  })

  it('hands a group shake to a member: by its owner, or by a moderator (logged)', async () => {
    await alice.get('/shake/create')
    await alice.post('/shake/create', { name: 'Birds', title: 'Birds', description: '' })
    await alice.get('/shake/Birds/members')
    await alice.post('/shake/Birds/invite', { name: 'bob' })
    await bob.get('/')
    assert.equal((await bob.post('/shake/Birds/accept', {})).statusCode, 303)
    const owner = async () =>
      (
        await site.app.db
          .selectFrom('shake as k')
          .innerJoin('user as u', 'u.id', 'k.user_id')
          .select('u.name')
          .where('k.name', '=', 'Birds')
          .executeTakeFirstOrThrow()
      ).name
    const members = async () => (await alice.get('/shake/Birds/members')).body

    assert.match(await members(), /action="\/shake\/Birds\/transfer"/)
    assert.equal((await alice.post('/shake/Birds/transfer', { heir: 'carol' })).statusCode, 409)
    assert.equal((await alice.post('/shake/Birds/transfer', { heir: 'alice' })).statusCode, 409)
    assert.equal((await alice.post('/shake/Birds/transfer', { heir: 'nobody1' })).statusCode, 404)
    await carol.get('/')
    assert.equal((await carol.post('/shake/Birds/transfer', { heir: 'bob' })).statusCode, 403)
    assert.equal((await bob.post('/shake/Birds/transfer', { heir: 'bob' })).statusCode, 403)
    assert.equal(await owner(), 'alice')

    await alice.get('/shake/Birds/members')
    assert.equal((await alice.post('/shake/Birds/transfer', { heir: 'bob' })).statusCode, 303)
    assert.equal(await owner(), 'bob')
    // The new owner does what owners do; the old one stays on as a member.
    await bob.get('/shake/Birds/members')
    assert.equal((await bob.post('/shake/Birds/invite', { name: 'carol' })).statusCode, 303)
    await alice.get('/')
    assert.equal((await alice.post('/shake/Birds/invite', { name: 'mira' })).statusCode, 403)
    assert.match(await members(), /href="\/user\/alice"/)
    assert.equal(
      (
        await site.app.db
          .selectFrom('moderation_log')
          .select('id')
          .where('action', '=', 'transfer_shake')
          .execute()
      ).length,
      0,
      'an owner handing over is not moderation',
    )

    // A moderator hands it back (say, bob left); the log says who, why and to whom.
    await mira.get('/shake/Birds/members')
    assert.match(mira.lastPage?.body ?? '', /Make owner/)
    const back = await mira.post('/shake/Birds/transfer', { heir: 'alice', note: 'bob asked' })
    assert.equal(back.statusCode, 303)
    assert.equal(await owner(), 'alice')
    const log = (await logRows()).filter((r) => r.action === 'transfer_shake')
    assert.deepEqual(
      log.map((r) => [r.moderator, r.target, r.detail, r.note]),
      [['mira', 'alice', 'bob -> alice', 'bob asked']],
    )
    assert.match((await mira.get('/admin/log')).body, /shake <a href="\/Birds">Birds<\/a>/)
  })
  it('deletes an account from the dossier: confirmed, logged, done by the deletion job', async () => {
    const doomed = await signUp(site.app, 'spammer1')
    const key = await post(doomed, 'buy now')
    assert.match((await mira.get('/admin/users/spammer1')).body, /Delete this account/)
    const wrong = await mira.post('/admin/users/spammer1/delete', { note: 'spam', confirm: 'x' })
    assert.equal(wrong.statusCode, 400, 'the name must be typed to confirm')
    const noReason = await mira.post('/admin/users/spammer1/delete', {
      note: '',
      confirm: 'spammer1',
    })
    assert.equal(noReason.statusCode, 400, 'a reason is required')
    // A moderator cannot delete an admin, nor anyone themselves.
    const admin = await mira.post('/admin/users/root1/delete', { note: 'x', confirm: 'root1' })
    assert.equal(admin.statusCode, 403)
    const self = await mira.post('/admin/users/mira/delete', { note: 'x', confirm: 'mira' })
    assert.equal(self.statusCode, 400)

    const done = await mira.post('/admin/users/spammer1/delete', {
      note: 'spam',
      confirm: 'spammer1',
    })
    assert.equal(done.statusCode, 303)
    assert.equal((await doomed.get('/account/settings')).statusCode, 302, 'signed out at once')
    await settle(site.app)
    assert.equal((await site.app.inject({ url: `/p/${key}` })).statusCode, 404)
    const rows = await logRows()
    assert.deepEqual(rows.at(-1), {
      moderator: 'mira',
      action: 'delete_user',
      target: 'spammer1',
      detail: '',
      note: 'spam',
    })
    const user = await site.app.db
      .selectFrom('user')
      .select(['deleted', 'email'])
      .where('name', '=', 'spammer1')
      .executeTakeFirstOrThrow()
    assert.equal(Number(user.deleted), 1)
    assert.notEqual(user.email, 'spammer1@example.com', 'the address is freed')
  })
})
