// The main pages checked by axe-core in both themes (no serious or critical violation), and
// screenshots of them at desktop and phone sizes in artifacts/screenshots/ for people to look at.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Page } from 'playwright-core'
import { signUp } from '../helpers/accounts.js'
import {
  axeSource,
  type BrowserSite,
  launchChromium,
  newPerson,
  runAxe,
  screenshot,
  signInThroughForm,
  skipWithoutChromium,
  startBrowserSite,
} from '../helpers/chromium.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post, postJson } from '../helpers/social.js'

const skip = skipWithoutChromium()

describe('main pages in chromium: accessibility and screenshots', { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let key = ''
  let axe = ''
  const pages: { name: string; path: string; signedIn: boolean }[] = []

  before(async () => {
    ;[site, chromium, axe] = await Promise.all([
      startBrowserSite(),
      launchChromium(),
      readFile(axeSource, 'utf8'),
    ])
    // A little life on the site: posts with titles and alt text, a follow, likes, comments.
    const alice = await signUp(site.app, 'alice')
    const bob = await signUp(site.app, 'bob')
    const pictures = [
      ['Morning fog over the bay', await images.jpeg(1600, 1000)],
      ['Pink square', await images.png(800, 800)],
      ['Night street', await images.webp(1200, 1600)],
      ['Spinning', await images.animatedGif(320, 240)],
    ] as const
    for (const [title, data] of pictures) key = await post(alice, title, data)
    await bob.post('/user/alice/subscribe', {})
    await postJson(bob, `/p/${key}/like`)
    await bob.get(`/p/${key}`)
    await bob.post(`/p/${key}/comment`, { body: 'This one is my favourite, @alice!' })
    // One of bob's that alice liked: the pressed like button is checked too.
    const liked = await post(bob, 'Harbour at noon', await images.jpeg(1200, 800))
    await postJson(alice, `/p/${liked}/like`)
    await settle(site.app)
    pages.push(
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
      { name: 'settings', path: '/account/settings', signedIn: true },
      { name: 'incoming', path: '/incoming', signedIn: true },
      { name: 'notifications', path: '/notifications', signedIn: true },
    )
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
  })

  /** Two people (a visitor and alice signed in) in one theme and size. The axe check injects
   * its script, which the site's CSP forbids, so its contexts bypass the CSP. */
  async function people(options: Parameters<typeof newPerson>[2]) {
    const visitor = await newPerson(chromium, site, options)
    const member = await newPerson(chromium, site, options)
    await signInThroughForm(await member.newPage(), 'alice')
    return { visitor, member, close: () => Promise.all([visitor.close(), member.close()]) }
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`axe finds no serious or critical violation (${colorScheme})`, async () => {
      const { visitor, member, close } = await people({ colorScheme, bypassCSP: true })
      const found: string[] = []
      for (const { name, path, signedIn } of pages) {
        const page = await (signedIn ? member : visitor).newPage()
        await page.goto(path)
        for (const v of await runAxe(page, axe)) {
          found.push(
            `${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          )
        }
        await page.close()
      }
      await close()
      assert.equal(found.length, 0, `axe violations:\n${found.join('\n')}`)
    })
  }

  it('takes screenshots at desktop and phone sizes', async () => {
    for (const [size, phone] of [
      ['desktop', false],
      ['phone', true],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const { visitor, member, close } = await people({ colorScheme, phone })
        for (const { name, path, signedIn } of pages) {
          if (colorScheme === 'dark' && !['home', 'post', 'new-post'].includes(name)) continue
          const page = await (signedIn ? member : visitor).newPage()
          await page.goto(path)
          await settleImages(page)
          await screenshot(page, `${size}-${colorScheme}-${name}`)
          await page.close()
        }
        await close()
      }
    }
  })
})

/** Waits for the images in view to load, so screenshots show them. */
async function settleImages(page: Page) {
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
