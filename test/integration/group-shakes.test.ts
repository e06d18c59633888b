// Group shakes and who may do what in them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { outbox } from '../helpers/mail.js'
import { post, postJson } from '../helpers/social.js'

describe(`group shakes (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let owner: Browser
  let member: Browser
  let stranger: Browser
  let shakeId: number
  before(async () => {
    // This suite creates many shakes as one person: the per-user limit is not its subject.
    site = await createTestSite({
      RATE_LIMIT_UPLOAD: '1000/60',
      RATE_LIMIT_CREATE_SHAKE: '1000/60',
    })
    owner = await signUp(site.app, 'owner')
    member = await signUp(site.app, 'member')
    stranger = await signUp(site.app, 'stranger')
  })
  after(() => site.close())

  async function uploadTo(browser: Browser, shake: string, title: string) {
    await browser.get('/tools/new-post')
    return browser.postMultipart('/upload', [
      { name: 'title', value: title },
      { name: 'shake_id', value: shake },
      {
        name: 'file',
        value: await images.noisyJpeg(40, 40),
        filename: 'x.jpg',
        contentType: 'image/jpeg',
      },
    ])
  }

  it('creates a shake with the name rules of user names', async () => {
    await owner.get('/shake/create')
    for (const [name, status, message] of [
      ['admin', 400, /reserved/],
      ['has space', 400, /letters, digits/],
      ['member', 409, /taken/],
      ['OWNER', 409, /taken/],
      ['n'.repeat(31), 400, /at most 30/],
    ] as const) {
      const response = await owner.post('/shake/create', {
        name,
        title: 'A title',
        description: '',
      })
      assert.equal(response.statusCode, status, name)
      assert.match(response.body, message)
    }
    const created = await owner.post('/shake/create', {
      name: 'Cats',
      title: 'Cats of the <world>',
      description: 'All #cats',
    })
    assert.equal(created.statusCode, 303)
    assert.equal(location(created), '/Cats')
    const page = await stranger.get('/Cats')
    assert.match(page.body, /<h1>Cats of the &lt;world&gt;<\/h1>/)
    assert.match(page.body, /Ask to join/)
    assert.equal(
      (await owner.post('/shake/create', { name: 'cats', title: 'Cats', description: '' }))
        .statusCode,
      409,
    )
    shakeId = (
      await site.app.db
        .selectFrom('shake')
        .select('id')
        .where('name', '=', 'Cats')
        .executeTakeFirstOrThrow()
    ).id
    assert.equal((await stranger.get('/no-such-shake')).statusCode, 404)
  })

  it('lets only the owner and members post, and only the owner manage members', async () => {
    const refused = await uploadTo(stranger, String(shakeId), 'not a member')
    assert.equal(refused.statusCode, 403)
    assert.match(refused.body, /cannot post to that shake/)
    const mine = await uploadTo(owner, String(shakeId), 'by the owner')
    assert.equal(mine.statusCode, 302)

    // Invitation: only the owner invites; the invitee accepts.
    await stranger.get('/shake/Cats/members')
    assert.equal((await stranger.post('/shake/Cats/invite', { name: 'member' })).statusCode, 403)
    await owner.get('/shake/Cats/members')
    assert.equal((await owner.post('/shake/Cats/invite', { name: 'member' })).statusCode, 303)
    const invited = await owner.post('/shake/Cats/invite', { name: 'nobody-here' })
    assert.equal(invited.statusCode, 404)
    assert.match(invited.body, /nobody by that name/)
    assert.match(
      invited.body,
      /name="name" type="text"\s+value="nobody-here"/,
      'the typed name stays',
    )
    assert.equal(
      (await postJson(stranger, '/shake/Cats/accept')).status,
      403,
      'no invitation, no membership',
    )
    await member.get('/Cats')
    assert.match(member.lastPage?.body ?? '', /Accept the invitation/)
    assert.equal((await member.post('/shake/Cats/accept', {})).statusCode, 303)
    assert.match(
      (await member.get('/Cats')).body,
      /You are a member of Cats now: you can post to it\./,
      'accepting says so',
    )
    assert.equal((await uploadTo(member, String(shakeId), 'by a member')).statusCode, 302)
    assert.match(
      (await stranger.get('/shakes')).body,
      /href="\/Cats">[^<]*<\/a>\s*<p class="meta">2 posts · 1 member · /,
      'the directory counts the member and both posts',
    )
    assert.ok(
      (await outbox(site.app)).some(
        (m) => m.to === 'member@example.com' && /invited/.test(m.subject),
      ),
    )

    // The owner turned mail about shakes off: the request notifies, but sends no mail.
    await owner.get('/account/settings')
    await owner.post('/account/settings', { form: 'mail', email: 'off' })
    assert.match(
      (await owner.get('/account/settings')).body,
      /You get no mail about shake invitations/,
    )

    // Request: the stranger asks, the owner approves; only the owner may decide.
    await stranger.get('/Cats')
    assert.equal((await stranger.post('/shake/Cats/request', {})).statusCode, 303)
    assert.equal((await postJson(member, '/shake/Cats/approve', { name: 'stranger' })).status, 403)
    await owner.get('/shake/Cats/members')
    assert.match(owner.lastPage?.body ?? '', /Asking to join[\s\S]*stranger/)
    assert.equal((await owner.post('/shake/Cats/approve', { name: 'stranger' })).statusCode, 303)
    assert.equal((await uploadTo(stranger, String(shakeId), 'now a member')).statusCode, 302)
    assert.ok(
      !(await outbox(site.app)).some((m) => m.to === 'owner@example.com' && /join/.test(m.subject)),
      'opted out',
    )
    assert.match(
      (await owner.get('/notifications')).body,
      /<a href="\/user\/stranger">stranger<\/a> asked to join <a href="\/Cats">[^<]+<\/a>/,
      'the request names the shake',
    )
    assert.match(
      (await member.get('/notifications')).body,
      /<a href="\/user\/owner">owner<\/a> invited you to post to <a href="\/Cats">[^<]+<\/a>/,
      'the invitation names the shake',
    )
    // Links of earlier notifications (by the shake's id) still lead to it.
    const toShake = await owner.get(`/shake/by-id/${shakeId}`)
    assert.equal(toShake.statusCode, 302)
    assert.equal(toShake.headers.location, '/Cats')
    assert.equal((await owner.get('/shake/by-id/999999')).statusCode, 404)
    assert.equal((await owner.get('/shake/by-id/nope')).statusCode, 404)
    const types = (await site.app.db.selectFrom('notification').select('type').execute()).map(
      (n) => n.type,
    )
    for (const type of ['invitation', 'join_request', 'join_approved'] as const)
      assert.ok(types.includes(type), type)

    // A removed member can no longer post; a member who quits neither.
    await owner.get('/shake/Cats/members')
    assert.equal((await postJson(member, '/shake/Cats/remove', { name: 'stranger' })).status, 403)
    assert.equal((await owner.post('/shake/Cats/remove', { name: 'stranger' })).statusCode, 303)
    assert.equal((await uploadTo(stranger, String(shakeId), 'removed')).statusCode, 403)
    await member.get('/Cats')
    assert.equal((await member.post('/shake/Cats/quit', {})).statusCode, 303)
    assert.equal((await uploadTo(member, String(shakeId), 'quit')).statusCode, 403)

    const page = await stranger.get('/Cats')
    for (const title of ['by the owner', 'by a member', 'now a member'])
      assert.match(page.body, new RegExp(title))
    assert.doesNotMatch(page.body, /not a member|>removed<|>quit</)
  })

  it('adds posts to more shakes and takes them out, with the right people only', async () => {
    const key = await post(owner, 'everywhere')
    await owner.get(`/p/${key}`)
    assert.equal((await owner.post(`/p/${key}/add-to-shake`, { shake: 'Cats' })).statusCode, 303)
    await settle(site.app)
    assert.match((await stranger.get('/Cats')).body, new RegExp(`href="/p/${key}"`))
    assert.equal(
      (await postJson(stranger, `/p/${key}/add-to-shake`, { shake: 'stranger' })).status,
      403,
      'not their post',
    )
    assert.equal(
      (await postJson(stranger, `/p/${key}/remove-from-shake`, { shake: 'Cats' })).status,
      403,
    )
    const other = await post(member, 'member post')
    assert.equal(
      (await postJson(member, `/p/${other}/add-to-shake`, { shake: 'Cats' })).status,
      403,
      'no longer a member',
    )
    assert.equal(
      (await postJson(owner, `/p/${key}/remove-from-shake`, { shake: 'Cats' })).status,
      200,
    )
    assert.doesNotMatch((await stranger.get('/Cats')).body, new RegExp(`href="/p/${key}"`))
    assert.equal(
      (await postJson(owner, `/p/${key}/remove-from-shake`, { shake: 'Cats' })).status,
      404,
    )
    // Saving into a group shake one is not a member of is refused.
    assert.equal(
      (await postJson(member, `/p/${key}/save`, { shake_id: String(shakeId) })).status,
      403,
    )
  })

  it('edits the shake, its picture, and lists followers and the directory', async () => {
    await stranger.get('/shake/Cats/update')
    assert.equal(stranger.lastPage?.statusCode, 403)
    assert.equal(
      (await postJson(stranger, '/shake/Cats/update', { title: 'Mine', description: '' })).status,
      403,
    )
    await owner.get('/shake/Cats/update')
    assert.equal(
      (await owner.post('/shake/Cats/update', { title: 'Cats!', description: 'Only cats' }))
        .statusCode,
      303,
    )
    await owner.get('/shake/Cats/update')
    const pictured = await owner.postMultipart('/shake/Cats/update/image', [
      {
        name: 'image',
        value: await images.jpeg(800, 400, { exif: true }),
        filename: 'x.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(pictured.statusCode, 303)
    const page = await stranger.get('/Cats')
    assert.match(page.body, /<h1>Cats!<\/h1>/)
    const src = /<img class="avatar" src="(\/s\/\d+\/[0-9a-f]{40}-96\.jpg)"/.exec(page.body)?.[1]
    assert.ok(src)
    const small = await site.app.inject({ url: src })
    assert.deepEqual(
      [
        (await sharp(small.rawPayload).metadata()).width,
        (await sharp(small.rawPayload).metadata()).height,
      ],
      [96, 96],
    )
    const large = await site.app.inject({ url: src.replace('-96', '-568') })
    assert.equal((await sharp(large.rawPayload).metadata()).width, 568)
    assert.deepEqual(await images.metadataBlocks(large.rawPayload), [])

    await stranger.get('/Cats')
    await stranger.post(`/shake/${shakeId}/subscribe`, {})
    assert.match((await owner.get('/shake/Cats/followers')).body, /href="\/user\/stranger"/)
    assert.match((await stranger.get('/shake/Cats/members')).body, /Members of Cats!/)

    await owner.get('/shake/create')
    await owner.post('/shake/create', { name: 'Dogs', title: 'Dogs', description: '' })
    const newest = (await stranger.get('/shakes')).body
    assert.ok(newest.indexOf('href="/Dogs"') < newest.indexOf('href="/Cats"'), 'newest first')
    // Each shake with its picture (or its initial) and its counts.
    assert.match(
      newest,
      new RegExp(
        `<img class="avatar-small" src="${src}"[^>]*>\\s*<div>\\s*<a class="shake-entry-name" href="/Cats">Cats!</a>\\s*<p class="meta">\\d+ posts? · \\d+ members? · 2 followers · last post <time`,
      ),
    )
    // The counts are the rows they stand for: live posts in the shake, and its members.
    const cats = /href="\/Cats">Cats!<\/a>\s*<p class="meta">(\d+) posts? · (\d+) members?/.exec(
      newest,
    )
    const db = site.app.db
    const [placed, members] = await Promise.all([
      db
        .selectFrom('shakesharedfile')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('shake_id', '=', shakeId)
        .where('deleted', '=', 0)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('shake_manager')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('shake_id', '=', shakeId)
        .executeTakeFirstOrThrow(),
    ])
    assert.deepEqual([Number(cats?.[1]), Number(cats?.[2])], [Number(placed.n), Number(members.n)])
    assert.ok(Number(cats?.[1]) > 0, 'a shake with posts')
    assert.match(
      newest,
      /avatar-letter" aria-hidden="true">D<\/span>[\s\S]*0 posts · 0 members · 1 follower</,
    )
    const followed = (await stranger.get('/shakes?order=followed')).body
    assert.ok(
      followed.indexOf('href="/Cats"') < followed.indexOf('href="/Dogs"'),
      'most followed first',
    )
    const active = (await stranger.get('/shakes?order=active')).body
    assert.ok(
      active.indexOf('href="/Cats"') < active.indexOf('href="/Dogs"'),
      'recently active first',
    )
    assert.match(
      (await stranger.get('/search?q=dogs')).body,
      /<h2>Shakes<\/h2>[\s\S]*href="\/Dogs"/,
    )
  })

  it("follows its creator from the start: counted, listed, and its posts reach the creator's timeline", async () => {
    await owner.get('/shake/create')
    const created = await owner.post('/shake/create', {
      name: 'Fish',
      title: 'Fish',
      description: '',
    })
    assert.equal(created.statusCode, 303)
    const fish = await site.app.db
      .selectFrom('shake')
      .select(['id', 'user_id', 'follower_count'])
      .where('name', '=', 'Fish')
      .executeTakeFirstOrThrow()
    const follows = await site.app.db
      .selectFrom('subscription')
      .select('user_id')
      .where('shake_id', '=', fish.id)
      .execute()
    assert.deepEqual(
      follows.map((f) => f.user_id),
      [fish.user_id],
    )
    assert.equal(fish.follower_count, 1)
    assert.match((await stranger.get('/shake/Fish/followers')).body, /href="\/user\/owner"/)

    await owner.get('/shake/Fish/members')
    assert.equal((await owner.post('/shake/Fish/invite', { name: 'member' })).statusCode, 303)
    await member.get('/Fish')
    assert.equal((await member.post('/shake/Fish/accept', {})).statusCode, 303)
    assert.equal((await uploadTo(member, String(fish.id), 'a fish by the member')).statusCode, 302)
    await settle(site.app)
    assert.match((await owner.get('/')).body, /a fish by the member/)
  })

  it('refuses a blank title ("Title can\'t be blank"), keeps what was typed, stores nothing', async () => {
    const blank = /Title can(&#39;|')t be blank/
    await owner.get('/shake/create')
    const shakes = () => site.app.db.selectFrom('shake').select('id').execute()
    const follows = () => site.app.db.selectFrom('subscription').select('id').execute()
    const [shakesBefore, followsBefore] = [(await shakes()).length, (await follows()).length]
    for (const title of ['', '   ', '\t\n ']) {
      const refused = await owner.post('/shake/create', {
        name: 'Untitled',
        title,
        description: 'Words worth keeping',
      })
      assert.equal(refused.statusCode, 400, JSON.stringify(title))
      assert.match(refused.body, blank)
      assert.match(refused.body, /value="Untitled"/)
      assert.match(refused.body, /Words worth keeping/)
    }
    assert.equal((await shakes()).length, shakesBefore)
    assert.equal((await follows()).length, followsBefore)

    await owner.get('/shake/Fish/update')
    const edited = await owner.post('/shake/Fish/update', { title: '  ', description: 'New words' })
    assert.equal(edited.statusCode, 400)
    assert.match(edited.body, blank)
    assert.match(edited.body, /New words/)
    const fish = await site.app.db
      .selectFrom('shake')
      .select(['title', 'description'])
      .where('name', '=', 'Fish')
      .executeTakeFirstOrThrow()
    assert.deepEqual([fish.title, fish.description], ['Fish', ''])
  })
})
