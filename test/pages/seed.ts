// A little life on a fresh site, made through the app as people make it (sign up, confirm the
// address, post, follow, like, comment), and the pages that show it: for the page checks
// (npm run test:pages) and the outline test.
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { grantRole, signUp } from '../helpers/accounts.js'
import { type Browser, location } from '../helpers/browser.js'
import { settle } from '../helpers/jobs.js'
import { linkFromMail } from '../helpers/mail.js'

export interface Picture {
  title: string
  description: string
  altText: string
  data: Buffer
  filename: string
  contentType: string
}

/** alice posts, bob follows her, carol is a moderator (an admin). */
export type Viewer = 'visitor' | 'alice' | 'bob' | 'carol'

export interface PageToCheck {
  /** What kind of page it is, for the tables. */
  name: string
  path: string
  as: Viewer
  /** The status the page answers with (200 unless said). */
  status?: number
}

export interface SeededSite {
  people: Record<Exclude<Viewer, 'visitor'>, Browser>
  /** The keys of alice's posts, in the order of the pictures. */
  posts: string[]
  shake: string
}

const SHAKE = 'fogwatchers'

async function signUpAndConfirm(app: FastifyInstance, name: string): Promise<Browser> {
  const person = await signUp(app, name)
  const link = await linkFromMail(app, `${name}@example.com`, /https?:\/\/\S+\/verify\S*/)
  const confirmed = await person.get(link)
  assert.ok(confirmed.statusCode < 400, `confirming ${name}: ${confirmed.statusCode}`)
  return person
}

async function upload(person: Browser, picture: Picture, shakeId?: number): Promise<string> {
  await person.get('/tools/new-post')
  const response = await person.postMultipart('/upload', [
    { name: 'title', value: picture.title },
    { name: 'description', value: picture.description },
    { name: 'alt_text', value: picture.altText },
    ...(shakeId ? [{ name: 'shake_id', value: String(shakeId) }] : []),
    {
      name: 'file',
      value: picture.data,
      filename: picture.filename,
      contentType: picture.contentType,
    },
  ])
  assert.equal(response.statusCode, 302, `posting ${picture.title}: ${response.body.slice(0, 300)}`)
  return (location(response) as string).slice('/p/'.length)
}

/**
 * alice posts the pictures (the last into her group shake); bob follows, likes, comments and
 * reports one; carol is there to moderate.
 */
export async function seedSite(app: FastifyInstance, pictures: Picture[]): Promise<SeededSite> {
  const alice = await signUpAndConfirm(app, 'alice')
  const bob = await signUpAndConfirm(app, 'bob')
  const carol = await signUpAndConfirm(app, 'carol')
  await grantRole(app, 'carol', 'admin')
  const made = await alice.submit('/shake/create', '/shake/create', {
    name: SHAKE,
    title: 'Fog watchers',
    description: 'Pictures of fog, mist and low cloud, from anywhere.',
  })
  assert.equal(made.statusCode, 303, `creating the shake: ${made.body.slice(0, 300)}`)
  const shake = await app.db
    .selectFrom('shake')
    .select('id')
    .where('name', '=', SHAKE)
    .executeTakeFirstOrThrow()
  const posts: string[] = []
  for (const [i, picture] of pictures.entries()) {
    posts.push(await upload(alice, picture, i === pictures.length - 1 ? shake.id : undefined))
  }
  const first = posts[0] as string
  await bob.submit('/user/alice', '/user/alice/subscribe', {})
  await bob.submit(`/p/${first}`, `/p/${first}/like`, {})
  await bob.submit(`/p/${first}`, `/p/${first}/comment`, { body: 'Lovely light, @alice!' })
  await alice.submit(`/p/${first}`, `/p/${first}/comment`, { body: 'Thank you @bob.' })
  const last = posts[posts.length - 1] as string
  await bob.submit(`/p/${last}`, `/report/post/${last}`, { reason: 'spam', note: '', next: '/' })
  await settle(app)
  return { people: { alice, bob, carol }, posts, shake: SHAKE }
}

/** Every page type, as a visitor and signed in. */
export function pagesToCheck(seeded: SeededSite): PageToCheck[] {
  const post = `/p/${seeded.posts[0]}`
  const both = (name: string, path: string): PageToCheck[] => [
    { name, path, as: 'visitor' },
    { name, path, as: 'alice' },
  ]
  return [
    ...both('home', '/'),
    ...both('post', post),
    { name: 'post', path: post, as: 'bob' },
    { name: 'post', path: post, as: 'carol' },
    // The animated GIF, shown as a video.
    ...both('post-gif', `/p/${seeded.posts[seeded.posts.length - 1]}`),
    ...both('tag', '/tag/fog'),
    ...both('following', '/user/bob/following'),
    ...both('shake-followers', `/shake/${seeded.shake}/followers`),
    ...both('shake', `/${seeded.shake}`),
    ...both('profile', '/user/alice'),
    ...both('likes', '/user/bob/likes'),
    ...both('followers', '/user/alice/followers'),
    ...both('members', `/shake/${seeded.shake}/members`),
    ...both('incoming', '/incoming'),
    ...both('popular', '/popular'),
    ...both('search', '/search?q=fog'),
    ...both('search-form', '/search'),
    ...both('shakes', '/shakes'),
    ...both('faq', '/faq'),
    ...both('terms', '/terms-of-use'),
    ...both('api', '/developers'),
    ...both('not-found', '/no-such-page').map((p) => ({ ...p, status: 404 })),
    { name: 'sign-in', path: '/sign-in', as: 'visitor' },
    { name: 'sign-up', path: '/create-account', as: 'visitor' },
    { name: 'forgot-password', path: '/account/forgot-password', as: 'visitor' },
    { name: 'notifications', path: '/notifications', as: 'alice' },
    { name: 'conversations', path: '/conversations', as: 'alice' },
    { name: 'mentions', path: '/mentions', as: 'bob' },
    { name: 'settings', path: '/account/settings', as: 'alice' },
    { name: 'profile-settings', path: '/account/settings/profile', as: 'alice' },
    { name: 'privacy-settings', path: '/account/settings/privacy', as: 'alice' },
    { name: 'your-data', path: '/account/settings/data', as: 'alice' },
    { name: 'new-post', path: '/tools/new-post', as: 'alice' },
    { name: 'save-video', path: '/tools/save-video', as: 'alice' },
    { name: 'find-people', path: '/tools/find-shakes/people', as: 'alice' },
    { name: 'new-shake', path: '/shake/create', as: 'alice' },
    { name: 'edit-shake', path: `/shake/${seeded.shake}/update`, as: 'alice' },
    { name: 'apps', path: '/developers/apps', as: 'alice' },
    { name: 'connections', path: '/account/settings/connections', as: 'alice' },
    { name: 'reports', path: '/admin/reports', as: 'carol' },
    { name: 'moderation-log', path: '/admin/log', as: 'carol' },
    { name: 'queues', path: '/admin/queues', as: 'carol' },
    { name: 'dossier', path: '/admin/users/alice', as: 'carol' },
    { name: 'takedown', path: '/admin/takedown', as: 'carol' },
  ]
}
