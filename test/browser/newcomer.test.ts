// A new member's first minutes in chromium with JavaScript: the empty home suggests people to
// follow and follows one in place; the new-post page asks for the file first and never shows a
// broken preview for a file the browser cannot draw.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Page } from 'playwright-core'
import { signUp } from '../helpers/accounts.js'
import {
  axeSource,
  type BrowserSite,
  launchChromium,
  markPage,
  newPerson,
  runAxe,
  screenshot,
  signUpAndVerify,
  skipWithoutChromium,
  startBrowserSite,
} from '../helpers/chromium.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post } from '../helpers/social.js'

const skip = skipWithoutChromium()

describe("a newcomer's first minutes in chromium", { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let page: Page
  let axe = ''
  const scriptErrors: string[] = []

  before(async () => {
    ;[site, chromium, axe] = await Promise.all([
      startBrowserSite(),
      launchChromium(),
      readFile(axeSource, 'utf8'),
    ])
    // Someone who posts, so there is someone to suggest.
    const poppy = await signUp(site.app, 'poppy')
    await post(poppy, 'Poppies in a field')
    await settle(site.app)
    // axe injects its script, which the site's CSP forbids: this context bypasses the CSP.
    page = await (await newPerson(chromium, site, { bypassCSP: true })).newPage()
    page.on('pageerror', (error) => scriptErrors.push(error.message))
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
    assert.deepEqual(scriptErrors, [], 'no script errors on any page')
  })

  it('signs up, finds suggestions on the empty home and follows one in place', async () => {
    await signUpAndVerify(page, site, 'newcomer')
    await page.goto('/')
    const empty = page.locator('.empty-state')
    assert.match((await empty.textContent()) ?? '', /Posts from the people and shakes you follow/)
    assert.equal(
      await empty.getByRole('link', { name: 'Find people to follow' }).getAttribute('href'),
      '/tools/find-shakes/people',
    )
    const people = page.getByRole('region', { name: 'People to follow' })
    const poppy = people.locator('.suggestion', { hasText: 'poppy' })
    await poppy.waitFor()
    const violations = await runAxe(page, axe)
    assert.deepEqual(
      violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
    )
    await screenshot(page, 'desktop-light-home-newcomer')

    const stayed = await markPage(page)
    const follow = poppy.getByRole('button', { name: 'Follow' })
    assert.equal(
      await follow.getAttribute('aria-describedby'),
      await poppy.locator('a').getAttribute('id'),
    )
    await follow.click()
    await poppy.getByRole('button', { name: 'Unfollow' }).waitFor()
    assert.ok(await stayed(), 'followed without leaving the page')
    assert.equal(new URL(page.url()).pathname, '/')
    const follows = await site.app.db
      .selectFrom('subscription as f')
      .innerJoin('user as u', 'u.id', 'f.user_id')
      .innerJoin('shake as s', 's.id', 'f.shake_id')
      .select('s.name')
      .where('u.name', '=', 'newcomer')
      .execute()
    assert.deepEqual(
      follows.map((f) => f.name),
      ['poppy'],
    )
  })

  it('asks for the file first on the new-post page, with a link to post a video link', async () => {
    await page.goto('/tools/new-post')
    const order = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: PageDocument }).document
      return [
        ...doc.querySelectorAll('#upload-form input, #upload-form textarea, #upload-form select'),
      ]
        .map((field) => field.getAttribute('name'))
        .filter((name) => name !== '_csrf')
    })
    assert.deepEqual(order.slice(0, 4), ['file', 'title', 'description', 'alt_text'])
    const accept = (await page.locator('#f-file').getAttribute('accept')) ?? ''
    for (const type of [
      'image/jpeg',
      'image/png',
      'image/gif',
      'image/webp',
      'image/heic',
      'image/heif',
      'image/avif',
      'video/mp4',
      'video/webm',
      '.jpg',
      '.jpeg',
      '.png',
      '.gif',
      '.webp',
      '.heic',
      '.heif',
      '.avif',
      '.mp4',
      '.webm',
    ]) {
      assert.ok(accept.split(',').includes(type), `accept lists ${type}`)
    }
    assert.equal(
      await page.getByRole('link', { name: 'Post a video link' }).getAttribute('href'),
      '/tools/save-video',
    )
  })

  it('shows the name and size of a file the browser cannot preview, never a broken image', async () => {
    await page.goto('/tools/new-post')
    const image = page.locator('[data-preview]')
    const named = page.locator('[data-file-preview]')
    await page.locator('#f-file').setInputFiles({
      name: 'IMG_0042.heic',
      mimeType: 'image/heic',
      buffer: images.heic,
    })
    await named.waitFor()
    assert.match((await named.textContent()) ?? '', /^IMG_0042\.heic \(\d+ bytes\)$/)
    // Give the browser its chance to decode: it fails, and the image stays hidden.
    await page.waitForTimeout(300)
    assert.equal(await image.isVisible(), false, 'no broken image')
    assert.equal(await named.isVisible(), true)

    // A video this browser cannot play is named too; a picture it can draw replaces the name.
    await page.locator('#f-file').setInputFiles({
      name: 'clip.mp4',
      mimeType: 'video/mp4',
      buffer: Buffer.from('not really a video'),
    })
    await page.waitForTimeout(300)
    assert.match((await named.textContent()) ?? '', /^clip\.mp4 \(/)
    assert.equal(await page.locator('[data-video-preview]').isVisible(), false)

    await page.locator('#f-file').setInputFiles({
      name: 'field.jpg',
      mimeType: 'image/jpeg',
      buffer: await images.jpeg(400, 300),
    })
    await image.waitFor()
    assert.equal(await named.isVisible(), false)
    assert.equal(await image.getAttribute('alt'), 'Preview of field.jpg')

    // A file of a kind the site does not take is refused at once.
    await page.locator('#f-file').setInputFiles({
      name: 'notes.pdf',
      mimeType: 'application/pdf',
      buffer: images.pdf,
    })
    await page.locator('#e-file').waitFor()
    assert.match(
      (await page.locator('#e-file').textContent()) ?? '',
      /not an image or video this site accepts/,
    )
    assert.equal(await image.isVisible(), false)
    assert.equal(await named.isVisible(), false)
  })
})

interface PageDocument {
  querySelectorAll(selector: string): Iterable<{ getAttribute(name: string): string | null }>
}
