// Every API endpoint, called with bearer tokens only: JSON shapes close to MLTSHP's, keyset
// paging, and the site's rules (ownership, who may post where, text limits) applied the same.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { idFromShareKey, shareKey } from '../../src/services/share-keys.js'
import { signUp } from '../helpers/accounts.js'
import { apiClient, grantTokens, registerApp } from '../helpers/api.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post } from '../helpers/social.js'

type Api = ReturnType<typeof apiClient>

const DEFAULT_PICTURE = 'http://mlkshk.test/static/images/default-avatar.svg'

const SHAREDFILE_KEYS = [
  'alt_text',
  'comments',
  'description',
  'height',
  'liked',
  'likes',
  'name',
  'nsfw',
  'original_image_url',
  'permalink_page',
  'pivot_id',
  'posted_at',
  'saved',
  'saves',
  'sharekey',
  'title',
  'type',
  'user',
  'views',
  'width',
]

describe('API endpoints', () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let carol: Browser
  let asAlice: Api
  let asBob: Api
  let aliceShakeId: number
  let groupShakeId: number

  before(async () => {
    site = await createTestSite({
      MAGIC_THRESHOLD: '1',
      RATE_LIMIT_UPLOAD: '10000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
    })
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
    carol = await signUp(site.app, 'carol')
    const client = await registerApp(carol)
    asAlice = apiClient(site.app, (await grantTokens(site.app, alice, client)).access)
    asBob = apiClient(site.app, (await grantTokens(site.app, bob, client)).access)
    await alice.get('/shake/create')
    const created = await alice.post('/shake/create', {
      name: 'rivers',
      title: 'Rivers',
      description: 'Water, moving.',
    })
    assert.equal(created.statusCode, 303)
    const shakes = await site.app.db.selectFrom('shake').selectAll().execute()
    aliceShakeId = shakes.find((s) => s.name === 'alice')?.id as number
    groupShakeId = shakes.find((s) => s.name === 'rivers')?.id as number
  })
  after(() => site?.close())

  it('GET /api/sharedfile/KEY: the sharedfile, with the reader state', async () => {
    const key = await post(alice, 'Fog <on> the river')
    const answer = await asBob.get(`/api/sharedfile/${key}`)
    assert.equal(answer.status, 200)
    const file = answer.body
    assert.deepEqual(Object.keys(file).sort(), SHAREDFILE_KEYS)
    assert.equal(file.sharekey, key)
    // The name of the uploaded file (the helper sends x.jpg).
    assert.equal(file.name, 'x.jpg')
    // No alt text is null, as MLTSHP's clients expect.
    assert.equal(file.alt_text, null)
    assert.equal(file.title, 'Fog <on> the river')
    assert.equal(file.permalink_page, `http://mlkshk.test/p/${key}`)
    assert.equal(file.original_image_url, `http://mlkshk.test/r/${key}`)
    assert.deepEqual([file.width, file.height], [48, 48])
    assert.match(file.posted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(file.user.name, 'alice')
    assert.deepEqual(Object.keys(file.user).sort(), ['id', 'name', 'profile_image_url'])
    // Without an avatar, the default picture: always a URL a client can load.
    assert.equal(file.user.profile_image_url, DEFAULT_PICTURE)
    const picture = await site.app.inject({
      method: 'GET',
      url: '/static/images/default-avatar.svg',
    })
    assert.equal(picture.statusCode, 200)
    assert.match(String(picture.headers['content-type']), /^image\/svg\+xml/)
    assert.deepEqual(
      [file.likes, file.saves, file.comments, file.liked, file.saved, file.nsfw],
      [0, 0, 0, false, false, false],
    )
    assert.equal((await asBob.get('/api/sharedfile/ZZZZZZ')).status, 404)
    const bad = await asBob.get('/api/sharedfile/no%20such')
    assert.equal(bad.status, 404)
    assert.equal(bad.body.error, 'not_found')
  })

  it('POST /api/sharedfile/KEY edits your own post; another user cannot', async () => {
    const key = await post(alice, 'Before')
    const edited = await asAlice.post(`/api/sharedfile/${key}`, { title: 'After #river' })
    assert.equal(edited.status, 200)
    assert.equal(edited.body.title, 'After #river')
    assert.equal(edited.body.sharekey, key)
    const described = await asAlice.post(`/api/sharedfile/${key}`, {
      description: 'Now with words',
      alt_text: 'A river',
    })
    assert.deepEqual(
      [described.body.title, described.body.description, described.body.alt_text],
      ['After #river', 'Now with words', 'A river'],
    )
    const unset = await asAlice.post(`/api/sharedfile/${key}`, { alt_text: '' })
    assert.equal(unset.body.alt_text, null)

    const foreign = await asBob.post(`/api/sharedfile/${key}`, { title: 'Mine now' })
    assert.equal(foreign.status, 403)
    assert.equal(foreign.body.error, 'forbidden')
    assert.equal((await asBob.get(`/api/sharedfile/${key}`)).body.title, 'After #river')

    const tooLong = await asAlice.post(`/api/sharedfile/${key}`, { title: 'x'.repeat(500) })
    assert.equal(tooLong.status, 400)
    assert.ok(tooLong.body.fields.title)
    assert.equal((await asAlice.get(`/api/sharedfile/${key}`)).body.title, 'After #river')
    assert.equal((await asAlice.post('/api/sharedfile/ZZZZZZ', { title: 'x' })).status, 404)
  })

  it('POST /api/sharedfile/KEY/like likes once; your own post cannot be liked', async () => {
    const key = await post(alice, 'Likeable')
    const liked = await asBob.post(`/api/sharedfile/${key}/like`)
    assert.equal(liked.status, 200)
    assert.equal(liked.body.liked, true)
    assert.equal(liked.body.likes, 1)
    assert.equal((await asBob.post(`/api/sharedfile/${key}/like`)).body.likes, 1)
    const own = await asAlice.post(`/api/sharedfile/${key}/like`)
    assert.equal(own.status, 403)
  })

  it('POST /api/sharedfile/KEY/save saves to your shake or a shake you may post to', async () => {
    const key = await post(alice, 'Worth keeping')
    const saved = await asBob.post(`/api/sharedfile/${key}/save`)
    assert.equal(saved.status, 200)
    assert.notEqual(saved.body.sharekey, key)
    assert.equal(saved.body.user.name, 'bob')
    assert.equal(saved.body.title, 'Worth keeping')
    const again = await asBob.post(`/api/sharedfile/${key}/save`)
    assert.equal(again.body.sharekey, saved.body.sharekey)
    const original = await asBob.get(`/api/sharedfile/${key}`)
    assert.equal(original.body.saved, true)
    assert.equal(original.body.saves, 1)
    const elsewhere = await asBob.post(`/api/sharedfile/${key}/save`, {
      shake_id: String(groupShakeId),
    })
    assert.equal(elsewhere.status, 403)
    assert.equal((await asAlice.post(`/api/sharedfile/${key}/save`)).status, 403)
  })

  it('GET and POST /api/sharedfile/KEY/comments', async () => {
    const key = await post(alice, 'Say something')
    const written = await asBob.post(`/api/sharedfile/${key}/comments`, {
      body: 'Lovely <b>@alice</b>',
    })
    assert.equal(written.status, 200)
    assert.equal(written.body.body, 'Lovely <b>@alice</b>')
    assert.equal(written.body.user.name, 'bob')
    assert.match(written.body.posted_at, /Z$/)
    const empty = await asBob.post(`/api/sharedfile/${key}/comments`, { body: '  ' })
    assert.equal(empty.status, 400)
    assert.ok(empty.body.fields.body)
    const list = await asAlice.get(`/api/sharedfile/${key}/comments`)
    assert.equal(list.status, 200)
    assert.deepEqual(
      list.body.comments.map((c: { body: string }) => c.body),
      ['Lovely <b>@alice</b>'],
    )
    assert.equal((await asAlice.get(`/api/sharedfile/${key}`)).body.comments, 1)
    assert.equal((await asAlice.get('/api/sharedfile/ZZZZZZ/comments')).status, 404)
  })

  it('POST /api/upload posts through the same pipeline and rules as the site', async () => {
    const image = await images.noisyJpeg(64, 40)
    const posted = await asAlice.upload([
      { name: 'title', value: 'From the API' },
      { name: 'alt_text', value: 'Noise' },
      { name: 'file', value: image, filename: 'n.jpg', contentType: 'image/jpeg' },
    ])
    assert.equal(posted.status, 201, JSON.stringify(posted.body))
    assert.equal(posted.body.title, 'From the API')
    // MLTSHP's answer is {name, share_key}; both are there.
    assert.equal(posted.body.share_key, posted.body.sharekey)
    assert.equal(posted.body.name, 'n.jpg')
    assert.equal(posted.body.user.name, 'alice')
    assert.deepEqual([posted.body.width, posted.body.height], [64, 40])
    const raw = await site.app.inject({ method: 'GET', url: `/r/${posted.body.sharekey}` })
    assert.equal(raw.statusCode, 200)
    assert.equal(raw.headers['content-type'], 'image/jpeg')

    const toGroup = await asAlice.upload([
      { name: 'shake_id', value: String(groupShakeId) },
      {
        name: 'file',
        value: await images.noisyJpeg(32, 32),
        filename: 'g.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(toGroup.status, 201)
    const group = await asAlice.get(`/api/shakes/${groupShakeId}`)
    assert.equal(group.body.sharedfiles[0].sharekey, toGroup.body.sharekey)

    const notMember = await asBob.upload([
      { name: 'shake_id', value: String(groupShakeId) },
      {
        name: 'file',
        value: await images.noisyJpeg(32, 32),
        filename: 'g.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(notMember.status, 403)
    const notImage = await asBob.upload([
      { name: 'file', value: images.pdf, filename: 'x.jpg', contentType: 'image/jpeg' },
    ])
    assert.equal(notImage.status, 415)
    assert.equal(notImage.body.error, 'unsupported_media_type')
    const noFile = await asBob.upload([{ name: 'title', value: 'nothing' }])
    assert.equal(noFile.status, 400)
    const bobPosts = await site.app.db
      .selectFrom('sharedfile')
      .select('id')
      .where('user_id', '=', (await asBob.get('/api/user')).body.id)
      .where('parent_id', 'is', null)
      .execute()
    assert.equal(bobPosts.length, 0)
  })

  it("name: the uploaded file's name, cleaned; a save keeps it; older posts are KEY.ext", async () => {
    const named = async (filename: string) => {
      const posted = await asAlice.upload([
        {
          name: 'file',
          value: await images.noisyJpeg(24, 24),
          filename,
          contentType: 'image/jpeg',
        },
      ])
      assert.equal(posted.status, 201, JSON.stringify(posted.body))
      return posted.body
    }
    assert.equal((await named('../../etc/passwd')).name, 'passwd')
    assert.equal((await named('C:\\fakepath\\Holiday 2024.JPG')).name, 'Holiday 2024.JPG')
    assert.equal((await named('a\u0001b\u202Egpj.exe')).name, 'abgpj.exe')
    assert.equal((await named('<script>.jpg')).name, '<script>.jpg')
    assert.equal((await named(`${'n'.repeat(300)}.jpg`)).name, 'n'.repeat(255))
    const nameless = await named('')
    assert.equal(nameless.name, `${nameless.sharekey}.jpg`)
    const dots = await named('..')
    assert.equal(dots.name, `${dots.sharekey}.jpg`)

    // The site's upload form keeps the name too, and a save copies it.
    await alice.get('/tools/new-post')
    const uploaded = await alice.postMultipart('/upload', [
      {
        name: 'file',
        value: await images.noisyJpeg(24, 24),
        filename: 'été.jpg',
        contentType: 'image/jpeg',
      },
    ])
    const key = (uploaded.headers.location as string).slice('/p/'.length)
    assert.equal((await asBob.get(`/api/sharedfile/${key}`)).body.name, 'été.jpg')
    const saved = await asBob.post(`/api/sharedfile/${key}/save`)
    assert.notEqual(saved.body.sharekey, key)
    assert.equal(saved.body.name, 'été.jpg')

    // Posts from before names were kept have '': they are called KEY.ext.
    await site.app.db
      .updateTable('sharedfile')
      .set({ name: '' })
      .where('id', '=', idFromShareKey(key) as number)
      .execute()
    assert.equal((await asBob.get(`/api/sharedfile/${key}`)).body.name, `${key}.jpg`)
  })

  it('GET /api/user, /api/user_id/ID and /api/user_name/NAME', async () => {
    const me = await asAlice.get('/api/user')
    assert.equal(me.status, 200)
    assert.deepEqual(Object.keys(me.body).sort(), [
      'about',
      'id',
      'name',
      'profile_image_url',
      'shakes',
      'website',
    ])
    assert.equal(me.body.name, 'alice')
    assert.deepEqual(
      me.body.shakes.map((s: { type: string; path: string }) => `${s.type}:${s.path}`),
      ['user:alice', 'group:rivers'],
    )
    assert.equal(me.body.profile_image_url, DEFAULT_PICTURE)
    // A user shake is called what its owner is called: the full name when there is one.
    await site.app.db
      .updateTable('user')
      .set({ full_name: 'Alice Liddell' })
      .where('name', '=', 'alice')
      .execute()
    const named = await asAlice.get('/api/user')
    assert.deepEqual(
      named.body.shakes.map((s: { name: string }) => s.name),
      ['Alice Liddell', 'Rivers'],
    )
    await site.app.db
      .updateTable('user')
      .set({ full_name: '' })
      .where('name', '=', 'alice')
      .execute()

    // The shakes are those the user owns, as in MLTSHP; a group they joined is not theirs.
    const aliceUser = (await site.app.accounts.profile('alice'))?.user
    const carolUser = (await site.app.accounts.profile('carol'))?.user
    assert.ok(aliceUser && carolUser)
    await site.app.shakeMembers.invite(aliceUser, 'rivers', 'carol')
    await site.app.shakeMembers.accept(carolUser, 'rivers')
    const asCarol = apiClient(
      site.app,
      (await grantTokens(site.app, carol, await registerApp(carol, { name: 'Mine' }))).access,
    )
    const carolMe = await asCarol.get('/api/user')
    assert.deepEqual(
      carolMe.body.shakes.map((s: { type: string; path: string }) => `${s.type}:${s.path}`),
      ['user:carol'],
    )
    // ...though she may post there, which /api/shakes lists.
    assert.deepEqual(
      (await asCarol.get('/api/shakes')).body.shakes.map((s: { path: string }) => s.path),
      ['carol', 'rivers'],
    )

    const bobId = (await asBob.get('/api/user')).body.id
    const byId = await asAlice.get(`/api/user_id/${bobId}`)
    assert.equal(byId.body.name, 'bob')
    const byName = await asAlice.get('/api/user_name/BOB')
    assert.equal(byName.body.id, bobId)
    assert.equal((await asAlice.get('/api/user_id/999999')).status, 404)
    assert.equal((await asAlice.get('/api/user_id/x')).status, 404)
    assert.equal((await asAlice.get('/api/user_name/nobody-here')).status, 404)
  })

  it('GET /api/shakes and the shake lookups', async () => {
    const mine = await asAlice.get('/api/shakes')
    assert.equal(mine.status, 200)
    assert.deepEqual(
      mine.body.shakes.map((s: { id: number }) => s.id),
      [aliceShakeId, groupShakeId],
    )
    const group = mine.body.shakes[1]
    assert.deepEqual(
      {
        name: group.name,
        type: group.type,
        url: group.url,
        description: group.description,
        owner: group.owner.name,
      },
      {
        name: 'Rivers',
        type: 'group',
        url: 'http://mlkshk.test/rivers',
        description: 'Water, moving.',
        owner: 'alice',
      },
    )
    assert.match(group.created_at, /Z$/)
    // Never null: a user shake shows its owner's picture, a group without one the default.
    assert.equal(mine.body.shakes[0].thumbnail_url, DEFAULT_PICTURE)
    assert.equal(group.thumbnail_url, DEFAULT_PICTURE)
    assert.equal((await asBob.get('/api/shakes')).body.shakes.length, 1)
    assert.equal((await asBob.get(`/api/shake_id/${groupShakeId}`)).body.path, 'rivers')
    assert.equal((await asBob.get('/api/shake_name/rivers')).body.id, groupShakeId)
    const user = await asBob.get('/api/shake_user/alice')
    assert.deepEqual(
      [user.body.id, user.body.type, user.body.url],
      [aliceShakeId, 'user', 'http://mlkshk.test/user/alice'],
    )
    assert.equal((await asBob.get('/api/shake_id/999999')).status, 404)
    assert.equal((await asBob.get('/api/shake_name/nowhere')).status, 404)
  })

  it('GET /api/shakes/ID pages with before/after by pivot_id', async () => {
    const carolToken = apiClient(
      site.app,
      (await grantTokens(site.app, carol, await registerApp(carol, { name: 'Pager' }))).access,
    )
    const keys: string[] = []
    for (let i = 0; i < 12; i++) keys.push(await post(carol, `Page ${i}`))
    const newestFirst = [...keys].reverse()
    const carolShake = (await carolToken.get('/api/shake_user/carol')).body.id
    const first = await carolToken.get(`/api/shakes/${carolShake}`)
    const firstKeys = first.body.sharedfiles.map((f: { pivot_id: string }) => f.pivot_id)
    assert.deepEqual(firstKeys, newestFirst.slice(0, 10))
    const second = await carolToken.get(`/api/shakes/${carolShake}/before/${firstKeys.at(-1)}`)
    const secondKeys = second.body.sharedfiles.map((f: { pivot_id: string }) => f.pivot_id)
    assert.deepEqual(secondKeys, newestFirst.slice(10))
    const back = await carolToken.get(`/api/shakes/${carolShake}/after/${secondKeys[0]}`)
    assert.deepEqual(
      back.body.sharedfiles.map((f: { pivot_id: string }) => f.pivot_id),
      newestFirst.slice(0, 10),
    )
    assert.deepEqual(
      (await carolToken.get(`/api/shakes/${carolShake}/before/${secondKeys.at(-1)}`)).body
        .sharedfiles,
      [],
    )
    assert.equal((await carolToken.get('/api/shakes/999999')).status, 404)
    assert.equal((await carolToken.get(`/api/shakes/${carolShake}/before/!!`)).status, 404)
  })

  it('GET /api/friends: posts of those the token user follows', async () => {
    await bob.get('/user/alice')
    assert.equal((await bob.post('/user/alice/subscribe', {})).statusCode, 303)
    const key = await post(alice, 'For my followers')
    await settle(site.app)
    const friends = await asBob.get('/api/friends')
    assert.equal(friends.status, 200)
    const keys = friends.body.friend_shake.map((f: { sharekey: string }) => f.sharekey)
    assert.equal(keys[0], key)
    const older = await asBob.get(`/api/friends/before/${key}`)
    assert.ok(!older.body.friend_shake.some((f: { sharekey: string }) => f.sharekey === key))
    assert.deepEqual((await asAlice.get('/api/friends')).body.friend_shake.length > 0, true)
  })

  it('GET /api/incoming: the newest originals, not saves', async () => {
    const key = await post(bob, 'Fresh')
    const incoming = await asAlice.get('/api/incoming')
    assert.equal(incoming.status, 200)
    assert.equal(incoming.body.incoming[0].sharekey, key)
    assert.ok(
      incoming.body.incoming.every((f: { user: { name: string } }) => f.user.name !== '') &&
        incoming.body.incoming.length <= 10,
    )
    const older = await asAlice.get(`/api/incoming/before/${key}`)
    assert.notEqual(older.body.incoming[0].sharekey, key)
    const newer = await asAlice.get(`/api/incoming/after/${older.body.incoming[0].sharekey}`)
    assert.equal(newer.body.incoming.at(-1).sharekey, key)
  })

  it('GET /api/magicfiles and /api/favorites page by their own pivot', async () => {
    const keys = [await post(alice, 'Magic one'), await post(alice, 'Magic two')]
    for (const key of keys)
      assert.equal((await asBob.post(`/api/sharedfile/${key}/like`)).status, 200)
    await settle(site.app)

    const magic = await asBob.get('/api/magicfiles')
    assert.equal(magic.status, 200)
    const rows = await site.app.db
      .selectFrom('magicfile')
      .selectAll()
      .orderBy('id', 'desc')
      .execute()
    assert.deepEqual(
      magic.body.magicfiles.map((f: { sharekey: string; pivot_id: string }) => [
        f.sharekey,
        f.pivot_id,
      ]),
      rows.map((r) => [shareKey(r.sharedfile_id), shareKey(r.id)]),
    )
    const lastMagic = magic.body.magicfiles.at(-1).pivot_id
    assert.deepEqual((await asBob.get(`/api/magicfiles/before/${lastMagic}`)).body.magicfiles, [])

    const favorites = await asBob.get('/api/favorites')
    const favoriteRows = await site.app.db
      .selectFrom('favorite')
      .selectAll()
      .where('user_id', '=', (await asBob.get('/api/user')).body.id)
      .orderBy('id', 'desc')
      .execute()
    assert.deepEqual(
      favorites.body.favorites.map((f: { sharekey: string; pivot_id: string; liked: boolean }) => [
        f.sharekey,
        f.pivot_id,
        f.liked,
      ]),
      favoriteRows.map((r) => [shareKey(r.sharedfile_id), shareKey(r.id), true]),
    )
    const [newest, next] = favorites.body.favorites
    const before = await asBob.get(`/api/favorites/before/${newest.pivot_id}`)
    assert.equal(before.body.favorites[0].sharekey, next.sharekey)
    const afterward = await asBob.get(`/api/favorites/after/${next.pivot_id}`)
    assert.deepEqual(
      afterward.body.favorites.map((f: { sharekey: string }) => f.sharekey),
      [newest.sharekey],
    )
    assert.deepEqual((await asAlice.get('/api/favorites')).body.favorites, [])
  })

  it('answers browser apps on other origins (CORS), without cookies; the site itself does not', async () => {
    const origin = 'https://app.example'
    const preflight = await site.app.inject({
      method: 'OPTIONS',
      url: '/api/user',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    })
    assert.equal(preflight.statusCode, 204)
    assert.equal(preflight.headers['access-control-allow-origin'], '*')
    assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/i)
    assert.equal(preflight.headers['access-control-allow-credentials'], undefined)
    const answer = await asAlice.get('/api/user', { origin })
    assert.equal(answer.status, 200)
    assert.equal(answer.headers['access-control-allow-origin'], '*')
    assert.match(String(answer.headers['access-control-expose-headers']), /X-RateLimit-Remaining/)
    // Pages and forms of the site stay same-origin only.
    const page = await site.app.inject({ method: 'GET', url: '/incoming', headers: { origin } })
    assert.equal(page.headers['access-control-allow-origin'], undefined)
  })

  it('NSFW-flagged posts say so', async () => {
    const key = await post(alice, 'Covered')
    await carol.get(`/p/${key}`)
    assert.equal((await carol.post(`/p/${key}/nsfw`, {})).statusCode, 303)
    assert.equal((await asBob.get(`/api/sharedfile/${key}`)).body.nsfw, true)
  })
})
