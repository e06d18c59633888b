// The site's main pages with a little life on them (posts with titles and alt text, a follow,
// likes, comments), for the accessibility checks (test/browser/pages.test.ts) and the
// screenshots people look at (npm run screenshots).
import type { Page } from 'playwright-core'
import { signUp } from './accounts.js'
import { type BrowserSite, startBrowserSite } from './chromium.js'
import * as images from './images.js'
import { settle } from './jobs.js'
import { post, postJson } from './social.js'

export interface MainPage {
  name: string
  path: string
  signedIn: boolean
}

/** A browser site where alice and bob have posted, followed, liked and commented. */
export async function mainPagesSite(): Promise<{ site: BrowserSite; pages: MainPage[] }> {
  const site = await startBrowserSite()
  const alice = await signUp(site.app, 'alice')
  const bob = await signUp(site.app, 'bob')
  const pictures = [
    ['Morning fog over the bay', await images.jpeg(1600, 1000)],
    ['Pink square', await images.png(800, 800)],
    ['Night street', await images.webp(1200, 1600)],
    ['Spinning', await images.animatedGif(320, 240)],
  ] as const
  let key = ''
  for (const [title, data] of pictures) key = await post(alice, title, data)
  await bob.post('/user/alice/subscribe', {})
  await postJson(bob, `/p/${key}/like`)
  await bob.get(`/p/${key}`)
  await bob.post(`/p/${key}/comment`, { body: 'This one is my favourite, @alice!' })
  // One of bob's that alice liked: the pressed like button is shown too.
  const liked = await post(bob, 'Harbour at noon', await images.jpeg(1200, 800))
  await postJson(alice, `/p/${liked}/like`)
  // A group shake with a member, a follower and a post, for the directory.
  await alice.get('/shake/create')
  await alice.post('/shake/create', {
    name: 'harbours',
    title: 'Harbours',
    description: 'Boats at rest',
  })
  await alice.get('/shake/harbours/members')
  await alice.post('/shake/harbours/invite', { name: 'bob' })
  await bob.get('/harbours')
  await bob.post('/shake/harbours/accept', {})
  await alice.get(`/p/${key}`)
  await alice.post(`/p/${key}/add-to-shake`, { shake: 'harbours' })
  await settle(site.app)
  const pages: MainPage[] = [
    { name: 'home-visitor', path: '/', signedIn: false },
    { name: 'sign-in', path: '/sign-in', signedIn: false },
    { name: 'terms-of-use', path: '/terms-of-use', signedIn: false },
    { name: 'faq', path: '/faq', signedIn: false },
    { name: 'home', path: '/', signedIn: true },
    { name: 'post', path: `/p/${key}`, signedIn: true },
    { name: 'post-liked', path: `/p/${liked}`, signedIn: true },
    { name: 'user', path: '/user/alice', signedIn: true },
    { name: 'new-post', path: '/tools/new-post', signedIn: true },
    { name: 'save-video', path: '/tools/save-video', signedIn: true },
    { name: 'find-people', path: '/tools/find-shakes/people', signedIn: true },
    { name: 'shakes', path: '/shakes', signedIn: false },
    { name: 'settings', path: '/account/settings', signedIn: true },
    { name: 'incoming', path: '/incoming', signedIn: true },
    { name: 'notifications', path: '/notifications', signedIn: true },
  ]
  return { site, pages }
}

/** Waits for the images in view to load, so screenshots show them. */
export async function settleImages(page: Page) {
  await page.evaluate(async () => {
    const doc = (globalThis as unknown as { document: { images: ArrayLike<PageImage> } }).document
    await Promise.all(
      Array.from(doc.images)
        .filter((image) => !image.complete && image.getBoundingClientRect().top < innerHeight)
        .map((image) =>
          // Lazy images at the edge may not load at all: wait a moment at most.
          Promise.race([image.decode().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]),
        ),
    )
  })
}

declare const innerHeight: number
interface PageImage {
  complete: boolean
  getBoundingClientRect(): { top: number }
  decode(): Promise<void>
}
