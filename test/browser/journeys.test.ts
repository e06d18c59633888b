// The site as people use it, in Debian's chromium with JavaScript on: signing up, posting by
// file picker and by drag and drop, editing in place, and the social loop between two people
// without page loads. The same journeys without JavaScript are in no-script.test.ts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Locator, Page } from 'playwright-core'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import {
  type BrowserSite,
  launchChromium,
  markPage,
  newPerson,
  signInThroughForm,
  signUpAndVerify,
  skipWithoutChromium,
  startBrowserSite,
} from '../helpers/chromium.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'
import { post } from '../helpers/social.js'

const skip = skipWithoutChromium()

describe('in chromium with JavaScript', { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let alice: Page
  let bob: Page
  /**
   * The posts the journeys make, by the test that made them. A later test that needs one skips
   * with a notice when the test that makes it failed, so one failure is reported once.
   */
  const posts: { picked?: string; dropped?: string } = {}
  let bobFollowsAlice = false
  /** Every uncaught script error on any page: there must be none. */
  const scriptErrors: string[] = []

  before(async () => {
    ;[site, chromium] = await Promise.all([startBrowserSite(), launchChromium()])
    alice = await (await newPerson(chromium, site)).newPage()
    bob = await (await newPerson(chromium, site)).newPage()
    for (const page of [alice, bob]) {
      page.on('pageerror', (error) => scriptErrors.push(error.message))
    }
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
    assert.deepEqual(scriptErrors, [], 'no script errors on any page')
  })

  it('signs up, confirms the address from the mail, signs out and in again', async () => {
    await signUpAndVerify(alice, site, 'alice')
    await alice.goto('/')
    await alice.getByText('alice', { exact: true }).click()
    await alice.getByRole('button', { name: 'Sign out' }).click()
    // Signing out lands on / again, where alice already was: the URL says nothing, the link
    // does (a wait for the URL raced the sign-out under CI's load, and signing in aborted it).
    await alice.getByRole('link', { name: 'Sign in', exact: true }).waitFor()
    await signInThroughForm(alice, 'alice')
    assert.equal(await alice.locator('.account-name').textContent(), 'alice')
  })

  it('posts with the file picker: preview, alt text nudge, progress bar', async () => {
    await alice.goto('/tools/new-post')
    await alice.locator('#upload-form').getByLabel('Title').fill('Picked from disk')
    await alice.locator('#f-file').setInputFiles({
      name: 'big.jpg',
      mimeType: 'image/jpeg',
      buffer: await images.noisyJpeg(1600, 1200),
    })
    // The preview appears once the browser has read the file: under load that takes a moment.
    await shown(alice.locator('[data-preview]'), 'a preview is shown')
    assert.equal(await previewWidth(alice), 1600, 'the preview shows the picked image')
    await shown(alice.locator('[data-alt-nudge]'), 'alt text is asked for')
    await alice
      .locator('#upload-form')
      .getByLabel('Alt text')
      .fill('Colourful noise, like an old television')

    // A slow connection (2 MB/s up), so the bar has time to move as people would see it.
    const cdp = await alice.context().newCDPSession(alice)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 2_000_000,
    })
    const seen = await watchProgress(alice)
    await alice.getByRole('button', { name: 'Post', exact: true }).click()
    await alice.waitForURL(/\/p\/[0-9A-Z]+$/)
    await cdp.detach()
    posts.picked = new URL(alice.url()).pathname.slice(3)
    console.log(`# progress seen: ${seen.values}`)
    assert.ok(seen.shown, 'the progress bar was shown')
    assert.ok(
      seen.values.some((v) => v > 0 && v < 100),
      `the bar moved through the upload: ${seen.values}`,
    )
    assert.equal(Math.max(...seen.values), 100)
    assert.equal(await alice.locator('h1').first().textContent(), 'Picked from disk')
    assert.equal(
      await alice.locator('.post-figure img').getAttribute('alt'),
      'Colourful noise, like an old television',
    )
  })

  it('posts by dragging an image onto the form, and keeps what was typed when refused', async () => {
    await alice.goto('/tools/new-post')
    await alice.locator('#upload-form').getByLabel('Title').fill('Dropped in')
    await alice.locator('#upload-form').getByLabel('Description').fill('Dragged from the desktop')
    // A refusal first: the server says why next to the form, and nothing typed is lost.
    await dropFile(alice, 'not-really.png', 'image/png', Buffer.from('not an image at all'))
    const marked = await markPage(alice)
    await alice.locator('#upload-form').getByLabel('Alt text').fill('A square of colour')
    await alice.getByRole('button', { name: 'Post', exact: true }).click()
    await alice.locator('[data-form-error]').waitFor({ state: 'visible' })
    assert.match((await alice.locator('[data-form-error]').textContent()) ?? '', /image/i)
    assert.ok(await marked(), 'no page load on a refused upload')
    assert.equal(await alice.locator('#upload-form').getByLabel('Title').inputValue(), 'Dropped in')
    assert.equal(
      await alice.locator('#upload-form').getByLabel('Description').inputValue(),
      'Dragged from the desktop',
    )

    await dropFile(alice, 'square.png', 'image/png', await images.png(900, 700))
    await shown(alice.locator('[data-preview]'), 'a preview is shown')
    assert.equal(await previewWidth(alice), 900, 'the preview shows the dropped image')
    assert.equal(
      await alice.locator('#f-file').evaluate((input) => (input as PageElement).files?.length),
      1,
    )
    const seen = await watchProgress(alice)
    await alice.getByRole('button', { name: 'Post', exact: true }).click()
    await alice.waitForURL(/\/p\/[0-9A-Z]+$/)
    posts.dropped = new URL(alice.url()).pathname.slice(3)
    assert.ok(seen.shown && seen.values.includes(100), 'the progress bar was shown and filled')
    assert.equal(await alice.locator('.description').textContent(), 'Dragged from the desktop')
  })

  it('takes an image pasted from the clipboard', async () => {
    await alice.goto('/tools/new-post')
    const data = (await images.png(64, 48)).toString('base64')
    await alice.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const clipboard = new DataTransfer()
      clipboard.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }))
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard }))
    }, data)
    await shown(alice.locator('[data-preview]'), 'a preview is shown')
    assert.equal(await previewWidth(alice), 64, 'the preview shows the pasted image')
    assert.equal(
      await alice.locator('#f-file').evaluate((input) => (input as PageElement).files?.length),
      1,
    )
  })

  it('edits the alt text in place, without a page load', async (t) => {
    if (!posts.dropped) return t.skip('the dragged post was not made (see above)')
    await alice.goto(`/p/${posts.dropped}`)
    const marked = await markPage(alice)
    // One way to edit: in place; the page's edit form (the no-script way) is out of sight.
    assert.equal(await alice.locator('#edit-form').isVisible(), false)
    assert.equal(await alice.getByRole('button', { name: 'Delete this post' }).isVisible(), true)
    await alice.getByRole('button', { name: 'Edit alt text' }).click()
    const editor = alice.locator('#inline-alt_text')
    assert.equal(await editor.inputValue(), 'A square of colour')
    await editor.fill('A pink square on a white page')
    await alice.locator('.inline-editor').getByRole('button', { name: 'Save' }).click()
    await alice.locator('.inline-editor').waitFor({ state: 'detached' })
    assert.equal(
      await alice.locator('.alt-text-value').textContent(),
      'A pink square on a white page',
    )
    assert.equal(
      await alice.locator('.post-figure img').getAttribute('alt'),
      'A pink square on a white page',
    )
    assert.ok(await marked(), 'no page load')
    await alice.reload()
    assert.equal(
      await alice.locator('.alt-text-value').textContent(),
      'A pink square on a white page',
    )
  })

  it('follows, likes, saves to a chosen shake and comments without page loads', async (t) => {
    if (!posts.picked || !posts.dropped) return t.skip('alice has not made both posts (see above)')
    await signUpAndVerify(bob, site, 'bob')
    const bobUser = (await site.app.accounts.profile('bob'))?.user
    assert.ok(bobUser)
    await site.app.shakeSettings.create(bobUser, {
      name: 'bobs-finds',
      title: 'Bob finds',
      description: '',
    })

    await bob.goto('/user/alice')
    let marked = await markPage(bob)
    await bob.getByRole('button', { name: 'Follow' }).click()
    await bob.getByRole('button', { name: 'Unfollow' }).waitFor()
    assert.match(
      (await bob.getByRole('button', { name: 'Unfollow' }).getAttribute('class')) ?? '',
      /\bsecondary\b/,
      'following is the quiet state',
    )
    assert.ok(await marked(), 'following loads no page')
    bobFollowsAlice = true

    // The timeline fills from the follow (a job); the newest post is first.
    await settle(site.app)
    await bob.goto('/')
    assert.equal(await bob.locator('.post-card').count(), 2)
    marked = await markPage(bob)
    const first = bob.locator(`.post-card[data-post="${posts.dropped}"]`)
    await first.getByRole('button', { name: 'Like' }).click()
    await first.locator('.like-button[aria-pressed="true"]').waitFor()
    assert.equal(await first.locator('.like-count').textContent(), '1 like')

    // Keyboard: j moves to the next post, l likes the post in focus.
    await bob.keyboard.press('j')
    const second = bob.locator(`.post-card[data-post="${posts.picked}"]`)
    assert.equal(await second.evaluate((card) => card === document.activeElement), true)
    await bob.keyboard.press('l')
    await second.locator('.like-button[aria-pressed="true"]').waitFor()
    assert.equal(await second.locator('.like-count').textContent(), '1 like')
    await bob.keyboard.press('k')
    assert.equal(await first.evaluate((card) => card === document.activeElement), true)
    assert.ok(await marked(), 'likes load no page')

    await bob.goto(`/p/${posts.dropped}`)
    marked = await markPage(bob)
    await bob.getByLabel('Save to').selectOption({ label: 'Bob finds' })
    await bob.getByRole('button', { name: 'Save', exact: true }).click()
    await bob.locator('.toast', { hasText: 'Saved to Bob finds.' }).waitFor()
    assert.equal(await bob.locator('.save-count').textContent(), '1 save')

    await bob.getByLabel('Add a comment').fill('What a lovely square @alice')
    await bob.getByRole('button', { name: 'Comment', exact: true }).click()
    await bob.locator('.comment', { hasText: 'What a lovely square' }).waitFor()
    assert.equal(await bob.getByLabel('Add a comment').inputValue(), '', 'the field is emptied')
    await bob.getByLabel('Add a comment').fill('Oops, posted twice')
    await bob.getByRole('button', { name: 'Comment', exact: true }).click()
    const oops = bob.locator('.comment', { hasText: 'Oops, posted twice' })
    await oops.waitFor()
    await oops.getByRole('button', { name: /Delete/ }).click()
    await oops.waitFor({ state: 'detached' })
    assert.equal(await bob.locator('.comment').count(), 1)
    assert.ok(await marked(), 'saving and commenting load no page')

    const saved = await site.app.db
      .selectFrom('shakesharedfile as ssf')
      .innerJoin('shake as s', 's.id', 'ssf.shake_id')
      .select('s.name')
      .where('s.name', '=', 'bobs-finds')
      .execute()
    assert.equal(saved.length, 1, 'the save went to the chosen shake')
  })

  it('shows the notifications, and clears them without a page load', async (t) => {
    if (!bobFollowsAlice) return t.skip('bob did not get to follow alice (see above)')
    await settle(site.app)
    await alice.goto('/notifications')
    const text = (await alice.locator('.notifications').textContent()) ?? ''
    assert.match(text, /bob liked/)
    assert.match(text, /bob saved/)
    assert.match(text, /bob\s+commented/)
    assert.match(text, /bob\s+started following you/)
    const marked = await markPage(alice)
    await alice.getByRole('button', { name: 'Clear all' }).click()
    await alice.getByText('Nothing new.').waitFor()
    assert.ok(await marked(), 'no page load')
    await alice.reload()
    assert.equal(await alice.locator('.notification').count(), 0)
  })

  it('loads more of a stream with the keyset links, without a page load', async () => {
    const carol = await signUp(site.app, 'carol')
    for (let i = 0; i < 11; i++) await post(carol, `Carol ${i}`, await images.jpeg(40 + i, 30))
    await bob.goto('/incoming')
    assert.equal(await bob.locator('.post-card').count(), 10)
    const marked = await markPage(bob)
    const loadMore = bob.getByRole('button', { name: 'Load more' })
    const addresses: string[] = []
    for (let pages = 1; (await loadMore.count()) > 0; pages++) {
      assert.ok(pages < 5, 'the stream ends')
      const next = await bob.locator('nav.pager a[rel="next"]').getAttribute('href')
      await loadMore.click()
      await bob.waitForFunction(
        (n) => document.querySelectorAll('.post-card').length > n,
        pages * 10 - 1,
      )
      await bob.locator('.load-more[aria-busy]').waitFor({ state: 'detached' })
      // The address is the keyset link of the page just loaded.
      assert.equal(new URL(bob.url()).pathname, next)
      addresses.push(next as string)
    }
    assert.ok(await marked(), 'no page load')
    assert.ok(addresses.length >= 1)
    assert.match(addresses.at(-1) as string, /^\/incoming\/before\/[0-9A-Z]+$/)
    const shown = await bob
      .locator('.post-card')
      .evaluateAll((cards) => cards.map((card) => (card as PageElement).dataset.post))
    const posted = await site.app.db
      .selectFrom('sharedfile as f')
      .innerJoin('user as u', 'u.id', 'f.user_id')
      .select('f.id')
      .where('u.name', 'in', ['alice', 'carol'])
      .execute()
    assert.equal(posted.length, 11 + Object.keys(posts).length)
    for (const { id } of posted)
      assert.ok(shown.includes(id.toString(36).toUpperCase()), `post ${id} is shown`)
    assert.equal(new Set(shown).size, shown.length)
    // A reload opens the stream where the reader was.
    await bob.reload()
    assert.equal(new URL(bob.url()).pathname, addresses.at(-1))
    assert.ok((await bob.locator('.post-card').count()) >= 1)
  })

  it('follows the system dark theme', async () => {
    const context = await newPerson(chromium, site, { colorScheme: 'dark' })
    const page = await context.newPage()
    await page.goto('/incoming')
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.ok(luminance(background) < 0.1, `dark background, got ${background}`)
    const text = await page.evaluate(() => getComputedStyle(document.body).color)
    assert.ok(luminance(text) > 0.7, `light text, got ${text}`)
    await context.close()
  })

  it("takes a visitor's Like through sign-in and back to the post, then a notification names them", async (t) => {
    // Someone new, who has liked nothing yet.
    await signUp(site.app, 'dana')
    const context = await newPerson(chromium, site)
    const visitor = await context.newPage()
    await visitor.goto('/user/alice')
    const card = visitor.locator('.post-card').first()
    const key = await card.getAttribute('data-post')
    if (!key) return t.skip('alice has no post (see above)')
    assert.equal(await card.locator('.post-card-author').getAttribute('href'), '/user/alice')
    await card.getByRole('link', { name: 'Like' }).click()
    await visitor.waitForURL((url) => url.pathname === '/sign-in')
    await visitor.getByLabel('User name or email').fill('dana')
    await visitor.getByLabel('Password').fill(PASSWORD)
    await visitor.getByRole('button', { name: 'Sign in' }).click()
    await visitor.waitForURL((url) => url.pathname === `/p/${key}`)
    await visitor.getByRole('button', { name: 'Like' }).click()
    await visitor.locator('.like-button[aria-pressed="true"]').waitFor()
    await settle(site.app)
    // The owner reads who it was and which post, with its picture.
    await alice.goto('/notifications')
    const row = alice.locator('.notification', { hasText: 'liked' }).first()
    await row.getByRole('link', { name: 'dana' }).waitFor()
    assert.ok(await row.locator('.notification-thumb img').count(), 'the post is pictured')
    await context.close()
  })

  it("gives a 3x phone's stream the image a 2x phone takes, and its post page the sharper one", async (t) => {
    if (!posts.picked) return t.skip('no picked post (see above)')
    await settle(site.app) // the AVIF and WebP renditions
    const widthTaken = async (dpr: number, path: string, selector: string) => {
      const context = await newPerson(chromium, site, { phone: true, phoneDpr: dpr })
      const page = await context.newPage()
      await signInThroughForm(page, 'alice')
      await page.goto(path)
      const img = page.locator(selector).first()
      await img.scrollIntoViewIfNeeded()
      // The image the browser chose, once it has arrived (no DOM types in this project).
      const src = await img.evaluate(
        (el) =>
          new Promise<string>((done) => {
            const image = el as unknown as {
              complete: boolean
              currentSrc: string
              addEventListener(type: string, listener: () => void): void
            }
            if (image.complete) done(image.currentSrc)
            else image.addEventListener('load', () => done(image.currentSrc))
          }),
      )
      await context.close()
      return src
    }
    // A 390-px phone: the card is 364 CSS px wide, so 728 pixels at 2x and 1092 at 3x.
    const card = `.post-card[data-post="${posts.picked}"] img`
    assert.match(await widthTaken(2, '/user/alice', card), /\/800\.\w+$/, 'a 2x phone')
    assert.match(
      await widthTaken(3, '/user/alice', card),
      /\/800\.\w+$/,
      'a 3x phone, capped at 2x',
    )
    assert.match(
      await widthTaken(3, `/p/${posts.picked}`, '.post-figure img'),
      /\/1100\.\w+$/,
      'the post page is not capped',
    )
  })

  it('fits a phone screen without sideways scrolling', async () => {
    const context = await newPerson(chromium, site, { phone: true })
    const page = await context.newPage()
    await signInThroughForm(page, 'alice')
    const post = posts.picked ? [`/p/${posts.picked}`] : []
    for (const path of ['/', '/incoming', ...post, '/user/alice', '/tools/new-post']) {
      await page.goto(path)
      const { scroll, width } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: window.innerWidth,
      }))
      assert.ok(scroll <= width, `${path} is ${scroll}px wide on a ${width}px screen`)
    }
    // Every main destination is in sight (none scrolled out of a hidden strip), and the
    // current one is marked; the keyboard hint is not shown on a touch screen.
    await page.goto('/incoming')
    const destinations = [
      ['Home', '/'],
      ['Incoming', '/incoming'],
      ['Popular', '/popular'],
      ['Shakes', '/shakes'],
      ['Notifications', '/notifications'],
      ['Search', '/search'],
    ]
    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const [name, href] of destinations) {
      const link = nav.getByRole('link', { name: name as string, exact: true })
      assert.equal(await link.getAttribute('href'), href)
      const box = await link.boundingBox()
      assert.ok(
        box && box.x >= 0 && box.x + box.width <= 390,
        `${name} is in sight: ${JSON.stringify(box)}`,
      )
      assert.ok(await link.isVisible(), `${name} is shown`)
    }
    assert.equal(
      await nav.getByRole('link', { name: 'Incoming' }).getAttribute('aria-current'),
      'page',
    )
    assert.ok(await page.getByRole('link', { name: 'New post' }).isVisible())
    assert.ok(await page.locator('.account-menu summary').isVisible(), 'the account menu')
    assert.equal(await page.locator('.keyboard-hint').isVisible(), false)
    await page.goto('/incoming/before/ZZZZZZ')
    assert.equal(
      await nav.getByRole('link', { name: 'Incoming' }).getAttribute('aria-current'),
      'page',
      'an older page of Incoming is still Incoming',
    )
    await context.close()
  })
})

/** Waits for an element to be shown (polling, up to 10 s), failing with the given message. */
async function shown(locator: Locator, message: string): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout: 10_000 })
  } catch (error) {
    assert.fail(`${message}: ${(error as Error).message.split('\n')[0]}`)
  }
}

/** The natural width of the posting form's preview once it has loaded (0 if it cannot load). */
function previewWidth(page: Page): Promise<number> {
  return page.locator('[data-preview]').evaluate(
    (image) =>
      new Promise<number>((resolve) => {
        const preview = image as PreviewImage
        if (preview.complete) return resolve(preview.naturalWidth)
        preview.addEventListener('load', () => resolve(preview.naturalWidth), { once: true })
        preview.addEventListener('error', () => resolve(0), { once: true })
      }),
  )
}

/** Records what the upload progress bar shows, across the page load that follows. */
async function watchProgress(page: Page): Promise<{ shown: boolean; values: number[] }> {
  const seen = { shown: false, values: [] as number[] }
  const name = `progress${Math.random().toString(36).slice(2)}`
  await page.exposeFunction(name, (shown: boolean, value: number) => {
    if (shown) seen.shown = true
    seen.values.push(value)
  })
  await page.evaluate((report) => {
    const box = document.querySelector('[data-progress]') as PageElement
    const bar = box.querySelector('progress') as PageElement
    const send = window[report] as (shown: boolean, value: number) => void
    new MutationObserver(() => send(!box.hidden, bar.value)).observe(box, {
      attributes: true,
      subtree: true,
    })
  }, name)
  return seen
}

/** Drops a file on the posting form the way a desktop drag does. */
async function dropFile(page: Page, name: string, type: string, data: Buffer) {
  const transfer = await page.evaluateHandle(
    ({ name, type, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bytes], name, { type }))
      return dt
    },
    { name, type, base64: data.toString('base64') },
  )
  const target = page.locator('.drop-target')
  await target.dispatchEvent('dragenter', { dataTransfer: transfer })
  await target.dispatchEvent('dragover', { dataTransfer: transfer })
  await target.dispatchEvent('drop', { dataTransfer: transfer })
}

/** Relative luminance of a CSS rgb() colour, 0 (black) to 1 (white). */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)
}

// The callbacks above run in chromium. The project compiles without the DOM library (it would
// clash with Node's types), so the few browser names they use are declared here.
interface PageElement {
  value: number
  hidden: boolean
  files?: { length: number }
  dataset: Record<string, string | undefined>
  querySelector(selector: string): PageElement | null
}
interface PreviewImage {
  complete: boolean
  naturalWidth: number
  addEventListener(name: 'load' | 'error', listener: () => void, options: { once: true }): void
}
declare const document: {
  activeElement: unknown
  body: unknown
  documentElement: { scrollWidth: number }
  querySelector(selector: string): PageElement | null
  querySelectorAll(selector: string): { length: number }
  dispatchEvent(event: unknown): void
}
declare const window: Record<string, unknown> & { innerWidth: number }
declare function getComputedStyle(element: unknown): { backgroundColor: string; color: string }
declare class DataTransfer {
  items: { add(file: File): void }
}
declare class File {
  constructor(parts: unknown[], name: string, options: { type: string })
}
declare class ClipboardEvent {
  constructor(type: string, init: { clipboardData: DataTransfer })
}
declare class MutationObserver {
  constructor(callback: () => void)
  observe(target: unknown, options: object): void
}
