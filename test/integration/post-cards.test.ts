// A post in a stream as people see it: who posted it (picture and name), the group shake it is
// in, "via" the original poster of a saved copy, its like, save and comment counts, and for a
// visitor Like and Follow buttons that lead to sign-in and back.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import type { Browser } from '../helpers/browser.js'
import { location, Browser as Visitor } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { redisUrl } from '../helpers/services.js'
import { createSocialSite, post, postJson, type SocialSite } from '../helpers/social.js'

/** The card of the post with this key, from a stream page. */
function card(body: string, key: string): string {
  const start = body.indexOf(`<article class="post-card" data-post="${key}"`)
  assert.ok(start >= 0, `a card for ${key}`)
  return body.slice(start, body.indexOf('</article>', start))
}

describe('stream cards', () => {
  let site: SocialSite
  let alice: Browser
  let bob: Browser
  before(async () => {
    site = await createSocialSite('embedded', redisUrl)
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
  })
  after(() => site?.close())

  it('names the poster, the group shake and the original poster, and counts likes, saves and comments', async () => {
    await alice.get('/shake/create')
    await alice.post('/shake/create', { name: 'Birds', title: 'Birds <all>', description: '' })
    const shakeId = (
      await site.app.db
        .selectFrom('shake')
        .select('id')
        .where('name', '=', 'Birds')
        .executeTakeFirstOrThrow()
    ).id
    await alice.get('/tools/new-post')
    const uploaded = await alice.postMultipart('/upload', [
      { name: 'title', value: 'A wren' },
      { name: 'shake_id', value: String(shakeId) },
      {
        name: 'file',
        value: await images.noisyJpeg(60, 40),
        filename: 'w.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(uploaded.statusCode, 302)
    const key = (location(uploaded) as string).slice('/p/'.length)
    await postJson(bob, `/p/${key}/like`)
    await bob.get(`/p/${key}`)
    const saved = await bob.post(`/p/${key}/save`, {})
    const savedKey = (location(saved) as string).slice('/p/'.length)
    await bob.get(`/p/${key}`)
    await bob.post(`/p/${key}/comment`, { body: 'lovely' })
    await settle(site.app)

    const original = card((await bob.get('/incoming')).body, key)
    assert.match(original, /<a class="post-card-author" href="\/user\/alice">/)
    assert.match(original, /avatar-letter" aria-hidden="true">A<\/span><span>alice<\/span>/)
    assert.match(original, /in <a href="\/Birds">Birds &lt;all&gt;<\/a>/)
    assert.doesNotMatch(original, /via/, 'an original has no "via"')
    assert.match(original, /1 like</)
    assert.match(original, /1 save</)
    assert.match(original, new RegExp(`href="/p/${key}#comments">1 comment<`))

    const copy = card((await alice.get('/user/bob')).body, savedKey)
    assert.match(copy, /<a class="post-card-author" href="\/user\/bob">/)
    assert.match(copy, /via <a href="\/user\/alice">alice<\/a>/)
    assert.match(copy, /0 comments</)

    // The post pages say the same.
    assert.match(
      (await bob.get(`/p/${key}`)).body,
      /Posted by <a href="\/user\/alice">alice<\/a> in <a href="\/Birds">Birds &lt;all&gt;<\/a> on/,
    )
    assert.match(
      (await alice.get(`/p/${savedKey}`)).body,
      /Posted by <a href="\/user\/bob">bob<\/a> via <a href="\/user\/alice">alice<\/a>/,
    )
  })

  it('gives a visitor Like and Follow buttons that sign in and come back', async () => {
    const key = await post(alice, 'For visitors')
    const visitor = new Visitor(site.app)
    const shown = card((await visitor.get('/incoming')).body, key)
    const like = /<a class="button like-button" href="([^"]+)">/.exec(shown)?.[1]
    assert.equal(like, `/sign-in?next=${encodeURIComponent(`/p/${key}`)}`)
    const follow = /<a class="button secondary follow-link" href="([^"]+)">Follow/.exec(shown)?.[1]
    assert.equal(follow, `/sign-in?next=${encodeURIComponent('/user/alice')}`)
    assert.doesNotMatch(shown, /<form/, 'no form a visitor could not send')
    // Signing in from there comes back to the post.
    const signInPage = await visitor.get(like as string)
    assert.match(signInPage.body, new RegExp(`name="next" value="/p/${key}"`))
    // A member sees the like form, not the links.
    const member = card((await bob.get('/incoming')).body, key)
    assert.match(member, new RegExp(`<form method="post" action="/p/${key}/like"`))
    assert.doesNotMatch(member, /follow-link/)
  })
})
