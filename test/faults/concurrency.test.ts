// Concurrency faults: a storm of likes and unlikes on one post, and the same request sent twice
// at once (a double click, a retried form): a like, a save and an upload each take effect once.
import { after, before, describe, it } from 'node:test'
import { location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { createSocialSite, postJson, type SocialSite } from '../helpers/social.js'
import { Acknowledged } from './invariants.js'
import {
  type Actor,
  finishScenario,
  signUpActors,
  type TargetPost,
  targetPosts,
} from './scenario.js'

const STORM_USERS = 50
const STORM_REQUESTS = 200

describe('concurrency faults', () => {
  let site: SocialSite
  let posts: TargetPost[]
  let actors: Actor[]
  before(async () => {
    site = await createSocialSite('embedded', '')
    posts = await targetPosts(site, 2)
    actors = await signUpActors(site, 'storm', STORM_USERS)
  })
  after(() => site?.close())

  it('a like/unlike storm', async () => {
    const [target] = posts as [TargetPost]
    const acknowledged = new Acknowledged()
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: STORM_REQUESTS }, async (_, i) => {
        const actor = actors[i % STORM_USERS] as Actor
        const action = i % 3 === 2 ? 'unlike' : 'like'
        const at = Date.now()
        const answer = await postJson(actor.browser, `/p/${target.key}/${action}`)
        return { actor, answer, ms: Date.now() - at }
      }),
    )
    const elapsed = Date.now() - started
    // Requests of one user ran at once, so their order is unknown: the final state is the
    // site's to choose, and only the counters are checked against the rows.
    for (const { actor } of answers) acknowledged.like(actor.userId, target.id, undefined)
    const ok = answers.filter((a) => a.answer.status === 200).length
    await finishScenario({
      scenario: 'like/unlike storm',
      injected: `${STORM_REQUESTS} likes and unlikes at once by ${STORM_USERS} users on one post`,
      site,
      acknowledged,
      own: { 'every request succeeded': ok === STORM_REQUESTS },
      figures: [
        `${ok}/${STORM_REQUESTS} ok in ${elapsed} ms`,
        `max ${Math.max(...answers.map((a) => a.ms))} ms`,
      ],
    })
  })

  it('double-submitted likes, saves and uploads', async () => {
    const [, target] = posts as [TargetPost, TargetPost]
    const { browser, userId } = actors[0] as Actor
    const acknowledged = new Acknowledged()
    const postsBy = async (user: number) =>
      Number(
        (
          await site.app.db
            .selectFrom('sharedfile')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', user)
            .executeTakeFirstOrThrow()
        ).n,
      )

    const likesOf = async (user: number, post: number) =>
      Number(
        (
          await site.app.db
            .selectFrom('favorite')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', user)
            .where('sharedfile_id', '=', post)
            .executeTakeFirstOrThrow()
        ).n,
      )
    const likes = await Promise.all([1, 2].map(() => postJson(browser, `/p/${target.key}/like`)))
    if (likes.every((l) => l.status === 200)) acknowledged.like(userId, target.id, true)
    const saves = await Promise.all([1, 2].map(() => postJson(browser, `/p/${target.key}/save`)))
    for (const save of saves)
      if (save.status === 200) acknowledged.saves.add(Number.parseInt(save.body.key, 36))

    const postsBefore = await postsBy(userId)
    const image = await images.noisyJpeg(40, 40)
    await browser.get('/tools/new-post')
    const uploads = await Promise.all(
      [1, 2].map(() =>
        browser.postMultipart('/upload', [
          { name: 'title', value: 'sent twice' },
          { name: 'file', value: image, filename: 'x.jpg', contentType: 'image/jpeg' },
        ]),
      ),
    )
    const uploaded = uploads.map((u) => String(location(u) ?? '').slice('/p/'.length))
    for (const key of uploaded) if (key) acknowledged.uploads.add(Number.parseInt(key, 36))
    const newPosts = (await postsBy(userId)) - postsBefore

    await finishScenario({
      scenario: 'double submits',
      injected: 'the same like, save and upload request twice at once',
      site,
      acknowledged,
      own: {
        'both answered ok':
          [...likes, ...saves].every((a) => a.status === 200) &&
          uploads.every((u) => u.statusCode === 302),
        'one like': (await likesOf(userId, target.id)) === 1,
        'one save': new Set(saves.map((s) => s.body?.key)).size === 1,
        'one upload': newPosts === 1 && uploaded[0] === uploaded[1],
      },
      figures: [
        `answers ${[...likes, ...saves].map((a) => a.status).join(', ')}, ${uploads.map((u) => u.statusCode).join(', ')}`,
      ],
    })
  })
})
