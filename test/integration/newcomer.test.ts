// A new member's first minutes: empty pages that say what to do and link there, and an empty
// home that suggests people and shakes to follow, each followable with a plain form.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { type Browser, location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

/** The names in the home page's suggestion lists, people and shakes apart. */
function suggested(html: string): { people: string[]; shakes: string[] } {
  const list = (id: string) => {
    const section = new RegExp(`aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1]
    return [...(section ?? '').matchAll(/class="suggestion-name"[^>]*>([^<]+)</g)].map(
      (m) => m[1] as string,
    )
  }
  return { people: list('suggested-people'), shakes: list('suggested-shakes') }
}

/** The Follow form's action for the suggestion with this name. */
function followAction(html: string, name: string): string {
  const item = [...html.matchAll(/<li class="suggestion">([\s\S]*?)<\/li>/g)]
    .map((m) => m[1] as string)
    .find((body) => body.includes(`>${name}<`))
  const action = /<form method="post" action="([^"]+)"/.exec(item ?? '')?.[1]
  assert.ok(action, `a follow form for ${name}`)
  return action
}

const links = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1])

describe(`a newcomer's first minutes (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let newbie: Browser

  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_UPLOAD: '1000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '100/60',
      UPLOAD_MAX_BYTES: String(600 * 1024),
    })
    newbie = await signUp(site.app, 'newbie')
  })
  after(() => site?.close())

  async function groupShake(owner: Browser, name: string): Promise<number> {
    await owner.get('/shake/create')
    const made = await owner.post('/shake/create', { name, title: `The ${name}`, description: '' })
    assert.equal(made.statusCode, 303, made.body.slice(0, 300))
    const row = await site.app.db
      .selectFrom('shake')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow()
    return row.id
  }

  async function postTo(owner: Browser, shakeId: number, title: string) {
    await owner.get('/tools/new-post')
    const response = await owner.postMultipart('/upload', [
      { name: 'title', value: title },
      { name: 'shake_id', value: String(shakeId) },
      {
        name: 'file',
        value: await images.noisyJpeg(40, 40),
        filename: 'x.jpg',
        contentType: 'image/jpeg',
      },
    ])
    assert.equal(response.statusCode, 302, response.body.slice(0, 300))
  }

  it('empty pages say what would fill them and link there', async () => {
    // Nothing is posted on the site yet.
    const home = (await newbie.get('/')).body
    assert.match(home, /Posts from the people and shakes you follow appear here/)
    assert.ok(links(home).includes('/tools/find-shakes/people'), 'home: find people')
    assert.match(
      home,
      /<a class="button" href="\/tools\/find-shakes\/people">Find people to follow</,
    )
    assert.match(home, /href="\/tools\/new-post">Post your first image</)

    const pages: Array<[string, RegExp, string]> = [
      ['/incoming', /Nothing has been posted yet/, '/tools/new-post'],
      ['/popular', /Nothing has been liked this week yet/, '/incoming'],
      ['/user/newbie', /Your shake is empty for now/, '/tools/new-post'],
      ['/user/newbie/likes', /Posts you like are kept here/, '/popular'],
      ['/notifications', /Nothing new this week/, '/tools/find-shakes/people'],
      ['/conversations', /No conversations yet/, '/popular'],
      ['/search?q=zebra', /No posts match/, '/incoming'],
    ]
    for (const [url, text, target] of pages) {
      const page = await newbie.get(url)
      assert.equal(page.statusCode, 200, url)
      const empty = /<div class="empty-state">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? ''
      assert.match(empty, text, url)
      assert.ok(links(empty).includes(target), `${url} links to ${target}: ${empty}`)
    }

    const owner = await signUp(site.app, 'owner')
    await groupShake(owner, 'quiet')
    const ownShake = (await owner.get('/quiet')).body
    assert.match(
      ownShake,
      /Nothing posted here yet[\s\S]*href="\/tools\/new-post">Post the first image/,
    )
    const othersShake = (await newbie.get('/quiet')).body
    assert.match(othersShake, /Nothing posted here yet[\s\S]*href="\/shakes">Find other shakes/)

    const people = await newbie.get('/tools/find-shakes/people')
    assert.equal(people.statusCode, 200)
    assert.match(people.body, /Nobody to suggest right now/)
  })

  it('suggests live, posting people and shakes the newcomer does not follow, block or mute', async () => {
    const member = (name: string) => signUp(site.app, name)
    const alice = await member('alice')
    const bob = await member('bob')
    const carol = await member('carol')
    const dave = await member('dave')
    const erin = await member('erin')
    await member('frank') // posts nothing: an empty shake is nothing to follow
    const gina = await member('gina')
    const hank = await member('hank')
    for (const [who, name] of [
      [alice, 'alice'],
      [alice, 'alice again'],
      [bob, 'bob'],
      [carol, 'carol'],
      [dave, 'dave'],
      [erin, 'erin'],
      [gina, 'gina'],
      [hank, 'hank'],
    ] as const) {
      await post(who, name)
    }
    const sunsets = await groupShake(alice, 'sunsets')
    await postTo(alice, sunsets, 'A sunset')
    await groupShake(bob, 'emptygroup')

    await newbie.get('/user/bob')
    assert.equal((await newbie.post('/user/bob/subscribe', {})).statusCode, 303)
    assert.equal((await newbie.post('/user/carol/block', {})).statusCode, 303)
    await dave.get('/user/newbie')
    assert.equal((await dave.post('/user/newbie/block', {})).statusCode, 303)
    assert.equal((await newbie.post('/user/erin/mute', {})).statusCode, 303)
    await site.app.db.updateTable('user').set({ deleted: 1 }).where('name', '=', 'gina').execute()
    await site.app.db
      .updateTable('user')
      .set({ restricted: 1 })
      .where('name', '=', 'hank')
      .execute()
    await settle(site.app)
    // Following bob filled the timeline with his post: back to an empty home for this test.
    await site.app.db
      .deleteFrom('post')
      .where('user_id', '=', (await userId('newbie')) as number)
      .execute()

    const home = (await newbie.get('/')).body
    const { people, shakes } = suggested(home)
    assert.ok(people.includes('alice'), `alice is suggested: ${people}`)
    for (const hidden of ['newbie', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank']) {
      assert.ok(!people.includes(hidden), `${hidden} is not suggested: ${people}`)
    }
    assert.deepEqual(shakes, ['The sunsets'], 'the group with a post, not the empty one')
    // The most active poster (two posts) comes first.
    assert.equal(people[0], 'alice')

    // The same rules on the page of people to find.
    const page = suggested((await newbie.get('/tools/find-shakes/people')).body)
    assert.deepEqual(page, { people, shakes })
    // A visitor sees the list without follow forms.
    const visitorPage = await site.app.inject({ url: '/tools/find-shakes/people' })
    assert.equal(visitorPage.statusCode, 200)
    assert.match(visitorPage.body, /class="suggestion-name"[^>]*>alice</)
    assert.doesNotMatch(visitorPage.body, /\/subscribe"/)
  })

  it('follows a suggestion with a plain form that needs its CSRF token and comes back home', async () => {
    const home = (await newbie.get('/')).body
    const action = followAction(home, 'alice')
    const aliceShake = Number(/\/shake\/(\d+)\/subscribe/.exec(action)?.[1])
    const follows = async () =>
      (
        await site.app.db
          .selectFrom('subscription')
          .select('id')
          .where('user_id', '=', (await userId('newbie')) as number)
          .where('shake_id', '=', aliceShake)
          .execute()
      ).length

    const forged = await newbie.post(action, { next: '/' }, { csrf: false })
    assert.equal(forged.statusCode, 403)
    assert.equal(await follows(), 0, 'nothing followed without the token')

    const followed = await newbie.post(action, { next: '/' })
    assert.equal(followed.statusCode, 303)
    assert.equal(location(followed), '/')
    assert.equal(await follows(), 1)

    // Elsewhere than this site, the form goes back to the shake instead.
    await newbie.get('/')
    const away = await newbie.post(action.replace('subscribe', 'unsubscribe'), {
      next: '//evil.example/',
    })
    assert.equal(location(away), '/user/alice')

    // With scripts the same form answers JSON and the page stays.
    const inPlace = await postJson(newbie, action, { next: '/' })
    assert.deepEqual(inPlace, { status: 200, body: { following: true } })
    await settle(site.app)
    const after = suggested((await newbie.get('/tools/find-shakes/people')).body)
    assert.ok(!after.people.includes('alice'), 'a followed person is no longer suggested')
  })

  it('a file too large, sent first as the form sends it, comes back with what was typed', async () => {
    await newbie.get('/tools/new-post')
    const page = await newbie.get('/tools/new-post')
    assert.ok(
      page.body.indexOf('name="file"') < page.body.indexOf('name="title"'),
      'the form asks for the file first',
    )
    const before = await site.app.db.selectFrom('sharedfile').select('id').execute()
    const refused = await newbie.postMultipart('/upload', [
      {
        name: 'file',
        value: Buffer.concat([await images.jpeg(64, 64), Buffer.alloc(700 * 1024)]),
        filename: 'big.jpg',
        contentType: 'image/jpeg',
      },
      { name: 'title', value: 'Typed below the file' },
      { name: 'description', value: 'And this' },
    ])
    assert.equal(refused.statusCode, 413)
    assert.match(refused.body, /larger than/)
    assert.match(refused.body, /value="Typed below the file"/)
    assert.match(refused.body, />And this<\/textarea>/)
    assert.equal(
      (await site.app.db.selectFrom('sharedfile').select('id').execute()).length,
      before.length,
    )
  })

  async function userId(name: string) {
    const row = await site.app.db
      .selectFrom('user')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst()
    return row?.id
  }
})

describe(`the suggestion list, read once a minute (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite({ SUGGESTIONS_CACHE_SECONDS: '60' })
  })
  after(() => site?.close())

  it('serves everybody the same list for SUGGESTIONS_CACHE_SECONDS, filtered per member', async () => {
    const ann = await signUp(site.app, 'ann')
    await post(ann, 'First')
    const first = suggested((await site.app.inject({ url: '/tools/find-shakes/people' })).body)
    assert.deepEqual(first.people, ['ann'])
    // A new poster waits for the next read of the list...
    const ben = await signUp(site.app, 'ben')
    await post(ben, 'Second')
    const again = suggested((await site.app.inject({ url: '/tools/find-shakes/people' })).body)
    assert.deepEqual(again.people, ['ann'])
    // ...but a member's own copy leaves out at once whom they follow.
    await ben.get('/user/ann')
    assert.equal((await ben.post('/user/ann/subscribe', {})).statusCode, 303)
    assert.deepEqual(suggested((await ben.get('/tools/find-shakes/people')).body).people, [])
  })
})
