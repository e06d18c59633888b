// Reports: members report posts, comments and people (a reason from the list and a note), one
// open report per reporter and target, rate-limited; moderators resolve or dismiss them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { grantRole, signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { post, postJson } from '../helpers/social.js'

describe(`reports (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  let mira: Browser
  let firstKey = ''
  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_UPLOAD: '1000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '1000/60',
      RATE_LIMIT_REPORT: '15/3600',
    })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
    mira = await signUp(site.app, 'mira')
    await grantRole(site.app, 'mira', 'moderator')
  })
  after(() => site.close())

  const reports = () => site.app.db.selectFrom('report').selectAll().orderBy('id').execute()

  it('files reports on posts, comments and people from the forms on their pages', async () => {
    const key = await post(alice, 'a post')
    firstKey = key
    assert.equal((await postJson(bob, `/p/${key}/comment`, { body: 'a comment' })).status, 200)
    const comment = await site.app.db.selectFrom('comment').select('id').executeTakeFirstOrThrow()

    const page = (await carol.get(`/p/${key}`)).body
    assert.match(page, new RegExp(`action="/report/post/${key}"`))
    assert.match(page, new RegExp(`action="/report/comment/${comment.id}"`))
    assert.match(page, /<option value="spam">/)
    const filed = await carol.post(`/report/post/${key}`, {
      reason: 'spam',
      note: 'sells <b>watches</b>',
      next: `/p/${key}`,
    })
    assert.equal(filed.statusCode, 303)
    assert.equal(filed.headers.location, `/p/${key}`)
    await carol.get(`/p/${key}`)
    assert.match(carol.lastPage?.body ?? '', /moderators will look at your report/)
    assert.equal(
      (await carol.post(`/report/comment/${comment.id}`, { reason: 'harassment', note: '' }))
        .statusCode,
      303,
    )
    assert.match((await carol.get('/user/bob')).body, /action="\/report\/user\/bob"/)
    assert.equal(
      (await carol.post('/report/user/bob', { reason: 'other', note: '' })).statusCode,
      303,
    )

    const rows = await reports()
    assert.deepEqual(
      rows.map((r) => [r.target_type, r.reason, r.status, r.is_open]),
      [
        ['post', 'spam', 'open', 1],
        ['comment', 'harassment', 'open', 1],
        ['user', 'other', 'open', 1],
      ],
    )
    const users = await site.app.db.selectFrom('user').select(['id', 'name']).execute()
    const idOf = (name: string) => users.find((u) => u.name === name)?.id
    assert.deepEqual(
      rows.map((r) => r.target_user_id),
      [idOf('alice'), idOf('bob'), idOf('bob')],
    )
    assert.equal(rows[0]?.note, 'sells <b>watches</b>')
  })

  it('keeps one open report per reporter and target, and refuses bad input', async () => {
    const key = await post(alice, 'reported twice')
    const first = await postJson(bob, `/report/post/${key}`, { reason: 'nsfw', note: '' })
    assert.equal(first.status, 201)
    const again = await postJson(bob, `/report/post/${key}`, { reason: 'spam', note: 'again' })
    assert.equal(again.status, 200, 'the second one is not stored')
    assert.equal((await postJson(carol, `/report/post/${key}`, { reason: 'nsfw' })).status, 201)
    const count = async () => (await reports()).filter((r) => r.status === 'open').length
    const before = await count()

    for (const [url, form, status] of [
      [`/report/post/${key}`, { reason: 'because', note: '' }, 400],
      [`/report/post/${key}`, { reason: 'spam', note: 'x'.repeat(1001) }, 400],
      [`/report/post/${key}`, { reason: 'spam', note: 'bell \u0007' }, 400],
      ['/report/post/ZZZZZZ', { reason: 'spam' }, 404],
      ['/report/comment/999999', { reason: 'spam' }, 404],
      ['/report/user/nobody-at-all', { reason: 'spam' }, 404],
      ['/report/shake/whatever', { reason: 'spam' }, 404],
      ['/report/user/alice', { reason: 'spam' }, 400],
    ] as const) {
      const response =
        url === '/report/user/alice'
          ? await postJson(alice, url, form)
          : await postJson(carol, url, form)
      assert.equal(response.status, status, `${url} ${JSON.stringify(form).slice(0, 60)}`)
      assert.equal(typeof response.body.error, 'string')
    }
    assert.equal(
      (await new Browser(site.app).post(`/report/post/${key}`, { reason: 'spam' }, { csrf: false }))
        .statusCode,
      403,
      'no CSRF token',
    )
    const visitor = new Browser(site.app)
    await visitor.get('/sign-in')
    assert.equal((await visitor.post(`/report/post/${key}`, { reason: 'spam' })).statusCode, 401)
    assert.equal(await count(), before, 'nothing stored')
  })

  it('limits how many reports one person files', async () => {
    const dave = await signUp(site.app, 'dave')
    const key = await post(alice, 'reported a lot')
    const statuses: number[] = []
    // Every request counts, stored or not.
    for (let i = 0; i < 17; i++)
      statuses.push((await postJson(dave, `/report/post/${key}`, { reason: 'spam' })).status)
    assert.deepEqual(statuses, [201, ...Array(14).fill(200), 429, 429])
    assert.equal((await postJson(carol, `/report/post/${key}`, { reason: 'spam' })).status, 201)
  })

  it('lets moderators, and only them, resolve or dismiss reports with a note', async () => {
    for (const browser of [alice, bob]) {
      assert.equal((await browser.get('/admin/reports')).statusCode, 403)
    }
    assert.equal((await new Browser(site.app).get('/admin/reports')).statusCode, 302)
    const open = (await reports()).filter((r) => r.status === 'open')
    const [first, second] = open
    assert.ok(first && second)
    assert.equal(
      (await postJson(alice, `/admin/reports/${first.id}/resolve`, { note: 'me' })).status,
      403,
    )

    const queue = (await mira.get('/admin/reports')).body
    assert.match(queue, new RegExp(`${open.length} open`))
    assert.match(queue, /sells &lt;b&gt;watches&lt;\/b&gt;/, 'notes are escaped')
    assert.match(queue, new RegExp(`action="/admin/reports/${first.id}/resolve"`))
    assert.match(queue, /href="\/admin\/users\/alice"/, 'linked to the dossier')

    const resolved = await mira.post(`/admin/reports/${first.id}/resolve`, {
      note: 'post taken down',
      next: '/admin/reports',
    })
    assert.equal(resolved.statusCode, 303)
    assert.equal(
      (await postJson(mira, `/admin/reports/${second.id}/dismiss`, { note: 'fine' })).status,
      200,
    )
    assert.equal(
      (await postJson(mira, `/admin/reports/${first.id}/dismiss`, { note: '' })).status,
      409,
      'settled already',
    )
    assert.equal((await postJson(mira, `/admin/reports/${first.id}/close`)).status, 404)
    assert.equal((await postJson(mira, '/admin/reports/999999/resolve')).status, 409)

    const [a, b] = await site.app.db
      .selectFrom('report')
      .selectAll()
      .where('id', 'in', [first.id, second.id])
      .orderBy('id')
      .execute()
    assert.deepEqual(
      [a?.status, a?.is_open, a?.settled_note, b?.status, b?.settled_note],
      ['resolved', null, 'post taken down', 'dismissed', 'fine'],
    )
    const queueNow = (await mira.get('/admin/reports')).body
    assert.doesNotMatch(queueNow, new RegExp(`/admin/reports/${first.id}/`))
    assert.match((await mira.get('/admin/reports?status=resolved')).body, /post taken down/)
    assert.match((await mira.get('/admin/reports?status=dismissed')).body, /fine/)
    const log = (await mira.get('/admin/log')).body
    assert.match(log, /resolve report/)
    assert.match(log, /dismiss report/)

    // Settled, the same reporter may report the same thing again.
    assert.equal(first.target_type, 'post')
    const again = await postJson(carol, `/report/post/${firstKey}`, { reason: 'spam' })
    assert.equal(again.status, 201)

    // The dossier lists the reports against a person, open and settled.
    const dossier = (await mira.get('/admin/users/bob')).body
    assert.match(dossier, /Reports against bob/)
    assert.match(dossier, /Harassment or hate/)
  })
})
