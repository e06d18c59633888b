// A video posted by its link, in Debian's chromium: the post shows our copy of the video's
// picture with a play button, the page asks nothing of YouTube until the reader presses it,
// and pressing it puts YouTube's privacy-enhanced player in its place (which fails to load
// here, with no network: the iframe and its address are what is checked).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Page } from 'playwright-core'
import {
  type BrowserSite,
  launchChromium,
  newPerson,
  screenshot,
  signUpAndVerify,
  skipWithoutChromium,
  startBrowserSite,
} from '../helpers/chromium.js'
import * as images from '../helpers/images.js'

const skip = skipWithoutChromium()

describe('a video link in chromium', { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let provider: Server
  let alice: Page
  /** Every request the page made to anywhere but the site. */
  const elsewhere: string[] = []
  const scriptErrors: string[] = []

  before(async () => {
    const thumbnail = await images.jpeg(480, 360)
    provider = createServer((req, res) => {
      const base = `http://127.0.0.2:${(provider.address() as AddressInfo).port}`
      if (req.url?.startsWith('/thumbs/'))
        return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(thumbnail)
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          type: 'video',
          version: '1.0',
          title: 'Never gonna',
          author_name: 'A channel',
          width: 480,
          height: 270,
          thumbnail_url: `${base}/thumbs/dQw4w9WgXcQ.jpg`,
          html: '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
        }),
      )
    })
    provider.listen(0, '127.0.0.2')
    await once(provider, 'listening')
    const port = (provider.address() as AddressInfo).port
    ;[site, chromium] = await Promise.all([
      startBrowserSite({
        URL_FETCH_ALLOWED_ADDRESSES: '127.0.0.2/32',
        VIDEO_OEMBED_ENDPOINTS: JSON.stringify({
          youtube: `http://127.0.0.2:${port}/oembed`,
          vimeo: `http://127.0.0.2:${port}/oembed`,
        }),
      }),
      launchChromium(),
    ])
    const context = await newPerson(chromium, site)
    // No network here: whatever leaves for elsewhere is noted and refused at once.
    await context.route(
      (url) => !url.href.startsWith(site.url),
      (route) => {
        elsewhere.push(route.request().url())
        return route.abort()
      },
    )
    alice = await context.newPage()
    alice.on('pageerror', (error) => scriptErrors.push(error.message))
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
    provider?.close()
    assert.deepEqual(scriptErrors, [], 'no script errors on any page')
  })

  it('posts a YouTube link and plays it only when the play button is pressed', async () => {
    await signUpAndVerify(alice, site, 'alice')
    await alice.goto('/tools/save-video')
    await alice.getByLabel('Video link').fill('https://youtu.be/dQw4w9WgXcQ?si=abc')
    await alice.getByRole('button', { name: 'Post the video' }).click()
    await alice.waitForURL((url) => url.pathname.startsWith('/p/'))
    const facade = alice.locator('a.video-link-facade')
    await facade.waitFor()
    assert.equal(await alice.locator('h1').first().textContent(), 'Never gonna')
    // Our own copy of the picture, loaded from the site.
    const picture = facade.locator('img')
    assert.match((await picture.getAttribute('src')) ?? '', /^\/r\/[0-9A-Z]+/)
    assert.ok(
      await picture.evaluate(
        (img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0,
      ),
      'the picture loaded',
    )
    assert.equal(await alice.locator('iframe').count(), 0)
    await screenshot(alice, 'video-link-facade')
    assert.equal(
      elsewhere.length,
      0,
      `nothing was asked of another site before the click: ${elsewhere}`,
    )

    await facade.click()
    const player = alice.locator('iframe.video-link-player')
    await player.waitFor({ state: 'attached' })
    const src = (await player.getAttribute('src')) ?? ''
    assert.match(src, /^https:\/\/www\.youtube-nocookie\.com\/embed\/dQw4w9WgXcQ\?autoplay=1$/)
    assert.equal(await player.getAttribute('title'), 'Never gonna')
    assert.equal(new URL(alice.url()).pathname.startsWith('/p/'), true, 'the page stayed')
    assert.equal(await alice.locator('a.video-link-facade').count(), 0, 'the player replaced it')
    // The frame was allowed by the CSP and asked for: it fails only for want of a network.
    for (let waited = 0; elsewhere.length === 0 && waited < 5000; waited += 100)
      await alice.waitForTimeout(100)
    assert.ok(elsewhere.length > 0, 'the player was asked for')
    assert.ok(
      elsewhere.every((url) => url.startsWith('https://www.youtube-nocookie.com/embed/')),
      elsewhere.join(', '),
    )
  })
})
