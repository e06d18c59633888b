// Stored and reflected XSS: hostile text in every field people can type, shown on every page
// that shows it, in headless Chromium. Each payload calls window.__xss() if it ever runs.
// Every page is loaded with the CSP on: no call, no dialog, no event-handler attribute or script
// URL in the DOM, and no CSP violation (a violation means markup got through and only the CSP
// stopped it). The richest pages are loaded again with the CSP off: the escaping alone holds.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext, Browser as Chromium } from 'playwright-core'
import Parser from 'rss-parser'
import { signUp } from '../helpers/accounts.js'
import { onMysql } from '../helpers/app.js'
import { AttackTable } from '../helpers/attack-table.js'
import { type Browser, location } from '../helpers/browser.js'
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js'
import * as images from '../helpers/images.js'
import { type ProbeFindings, probeInitScript, probeScan } from '../helpers/xss-probe.js'
import { createWorld, type World } from './world.js'

// Every way we know for text to become code; `N` is replaced by the payload's number.
const payloads = [
  '<script>__xss(N)</script>',
  '"><img src=x onerror=__xss(N)>',
  "'><svg/onload=__xss(N)>",
  'javascript:__xss(N)',
  '<a href="javascript:__xss(N)">click</a>',
  '</textarea><script>__xss(N)</script>',
  '</title><svg><script>__xss(N)</script></svg>',
  '<iframe srcdoc="<script>parent.__xss(N)</script>"></iframe>',
  '<math><mtext><table><mglyph><style><img src=x onerror=__xss(N)>',
  'https://example.com/"onmouseover="__xss(N)"x=" #tagN',
  'https://example.com/<script>__xss(N)</script> @alice',
  '\u202e<img src=x onerror=__xss(N)> \uff1cscript\uff1e__xss(N)\uff1c/script\uff1e',
  '<scr\u200bipt>__xss(N)</scr\u200bipt><details open ontoggle=__xss(N)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax is the payload
  'TPL{{ 7*7 }}{% if true %}IF{% endif %}${7*7}#{7*7}',
].map((text, i) => text.replaceAll('N', String(i + 1)))

interface Author {
  name: string
  browser: Browser
  payload: string
  post: string
  shake: string
}

describe(`stored and reflected XSS in Chromium (${onMysql ? 'MySQL' : 'SQLite'})`, async () => {
  const skip = await skipWithoutChromium()
  const table = new AttackTable('XSS', 'no script ran, nothing injected')
  let world: World
  let chromium: Chromium
  let origin: string
  const authors: Author[] = []
  const stored = new Map<string, number>()
  const rejected = new Map<string, number>()
  const count = (map: Map<string, number>, field: string) =>
    map.set(field, (map.get(field) ?? 0) + 1)

  /** Saves a field; a 4xx refusal is fine (nothing stored), anything else must succeed. */
  function accepted(field: string, status: number): boolean {
    if (status >= 400 && status < 500) {
      count(rejected, field)
      return false
    }
    assert.ok(status < 400, `${field}: ${status}`)
    count(stored, field)
    return true
  }

  before(async () => {
    if (skip) return
    world = await createWorld()
    await world.site.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(world.site.app.server.address() as AddressInfo).port}`
    for (const [i, payload] of payloads.entries()) {
      const name = `xss${i + 1}`
      const browser = await signUp(world.site.app, name)
      await browser.get('/account/settings/profile')
      const profile = { full_name: payload.slice(0, 100), about: payload, website: payload }
      if (
        !accepted('website', (await browser.post('/account/settings/profile', profile)).statusCode)
      ) {
        // An address is required there: try to break out of the href instead.
        const website = `https://example.com/?q=${payload}`
        const again = await browser.post('/account/settings/profile', { ...profile, website })
        if (accepted('website (as an address)', again.statusCode)) count(stored, 'full name, about')
      } else count(stored, 'full name, about')

      await browser.get('/tools/new-post')
      const fields = [
        { name: 'title', value: payload },
        { name: 'description', value: `${payload} #xsstag` },
        { name: 'alt_text', value: payload },
      ]
      const file = async () => ({
        name: 'file',
        value: await images.noisyJpeg(24, 24),
        filename: `${payload.slice(0, 20)}.jpg`,
        contentType: 'image/jpeg',
      })
      let uploaded = await browser.postMultipart('/upload', [...fields, await file()])
      if (!accepted('post title, description, alt text', uploaded.statusCode)) {
        await browser.get('/tools/new-post')
        uploaded = await browser.postMultipart('/upload', [await file()])
      }
      const post = (location(uploaded) as string).slice('/p/'.length)

      const shake = `xs${i + 1}`
      await browser.get('/shake/create')
      const shakeForm = { name: shake, title: payload.slice(0, 128), description: payload }
      let created = await browser.post('/shake/create', shakeForm)
      if (!accepted('shake title, description', created.statusCode))
        created = await browser.post('/shake/create', {
          name: shake,
          title: shake,
          description: '',
        })
      assert.equal(created.statusCode, 303)

      await browser.get(`/p/${post}`)
      accepted('comment', (await browser.post(`/p/${post}/comment`, { body: payload })).statusCode)
      // On alice's post: she is notified, and mentioned by the payloads that name her.
      await browser.get(`/p/${world.alicePost}`)
      accepted(
        'comment on another post',
        (await browser.post(`/p/${world.alicePost}/comment`, { body: payload })).statusCode,
      )
      await browser.post(`/p/${world.alicePost}/like`, {})
      await world.alice.get(`/user/${name}`)
      await world.alice.post(`/user/${name}/subscribe`, {})
      authors.push({ name, browser, payload, post, shake })
    }
    chromium = await launchChromium()
  })
  after(async () => {
    await chromium?.close()
    await world?.site.close()
  })

  async function contextFor(browser: Browser, bypassCSP: boolean): Promise<BrowserContext> {
    const context = await chromium.newContext({ bypassCSP, javaScriptEnabled: true })
    await context.addCookies(
      [...browser.cookies].map(([name, value]) => ({ name, value, url: origin })),
    )
    // Links to the configured host (mlkshk.test) and anything else off-site go nowhere: the
    // page must not wait on a DNS lookup, and nothing leaves the machine.
    await context.route(
      (url) => url.origin !== origin,
      (route) => route.abort(),
    )
    await context.addInitScript({ content: probeInitScript })
    return context
  }

  interface Findings extends ProbeFindings {
    dialogs: string[]
  }

  /** Loads a page and reports everything that shows text turned into code. */
  async function inspect(context: BrowserContext, path: string): Promise<Findings> {
    const page = await context.newPage()
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    try {
      const response = await page.goto(`${origin}${path}`, { waitUntil: 'load' })
      assert.equal(response?.status(), 200, `${path}: ${response?.status()}`)
      // Let load-time handlers (onerror of a broken image, ontoggle) have their turn.
      await page.waitForTimeout(50)
      const found = (await page.evaluate(probeScan)) as ProbeFindings
      return { ...found, dialogs }
    } finally {
      await page.close()
    }
  }

  function pagesFor(author: Author): string[] {
    return [
      `/p/${author.post}`,
      `/user/${author.name}`,
      `/${author.shake}`,
      `/search?q=${encodeURIComponent(author.payload)}`,
    ]
  }

  it('stores the payloads in every text field (or refuses them with a 4xx)', { skip }, async () => {
    await table.attack(`payloads stored in ${stored.size} kinds of field`, async () => {
      for (const field of ['full name, about', 'post title, description, alt text', 'comment'])
        assert.ok((stored.get(field) ?? 0) >= payloads.length - 1, `${field} stored too few`)
      // A user name cannot hold any of it: letters, digits and underscores only.
      const refused = await signUp(world.site.app, 'fine').then(async (b) => {
        await b.post('/sign-out', {})
        await b.get('/create-account')
        return b.post('/create-account', {
          name: '<script>__xss(0)</script>',
          email: 'x@example.com',
          password: 'correct horse battery staple',
          password_again: 'correct horse battery staple',
        })
      })
      assert.equal(refused.statusCode, 400)
      count(rejected, 'user name')
      return [...stored.values()].reduce((a, b) => a + b, 0)
    })
  })

  /** Loads the pages, a few at a time, and lists everything that shows text turned into code. */
  async function attack(visits: Array<{ context: BrowserContext; path: string }>, csp: boolean) {
    const problems: string[] = []
    const queue = [...visits]
    const loadOne = async (): Promise<void> => {
      const visit = queue.shift()
      if (!visit) return
      const found = await inspect(visit.context, visit.path)
      const at = visit.path
      if (found.fired.length) problems.push(`${at}: ran __xss(${found.fired.join(',')})`)
      if (found.dialogs.length) problems.push(`${at}: dialog ${found.dialogs.join(',')}`)
      if (found.dangerous.length) problems.push(`${at}: ${found.dangerous.join('; ')}`)
      if (csp && found.violations.length)
        problems.push(`${at}: CSP violations ${found.violations.join('; ')}`)
      return loadOne()
    }
    await Promise.all([loadOne(), loadOne(), loadOne()])
    return problems
  }

  it('runs none of them on any page that shows them, with the CSP on', { skip }, async () => {
    const reader = await contextFor(world.alice, false)
    const contexts = [reader]
    const visits = [
      '/',
      '/incoming',
      '/notifications',
      '/conversations',
      '/mentions',
      '/shakes',
      '/tag/xsstag',
      `/p/${world.alicePost}`,
      '/user/alice/followers',
    ].map((path) => ({ context: reader, path }))
    try {
      for (const author of authors) {
        for (const path of pagesFor(author)) visits.push({ context: reader, path })
        // The author sees the stored text again inside forms (textarea and value breakouts).
        const own = await contextFor(author.browser, false)
        contexts.push(own)
        for (const path of [
          `/p/${author.post}`,
          '/account/settings/profile',
          `/shake/${author.shake}/update`,
        ])
          visits.push({ context: own, path })
      }
      const problems = await attack(visits, true)
      await table.attack('payloads run in Chromium, CSP on (page loads)', async () => {
        assert.deepEqual(problems, [])
        return visits.length
      })
    } finally {
      for (const context of contexts) await context.close()
    }
  })

  it('runs none of them with the CSP switched off: the escaping alone holds', {
    skip,
  }, async () => {
    const contexts: BrowserContext[] = []
    const visits: Array<{ context: BrowserContext; path: string }> = []
    try {
      for (const author of authors) {
        const own = await contextFor(author.browser, true)
        contexts.push(own)
        for (const path of [`/p/${author.post}`, `/user/${author.name}`, `/${author.shake}`])
          visits.push({ context: own, path })
      }
      const problems = await attack(visits, false)
      await table.attack('payloads run in Chromium, CSP off (page loads)', async () => {
        assert.deepEqual(problems, [])
        return visits.length
      })
    } finally {
      for (const context of contexts) await context.close()
    }
  })

  it('serves RSS and oEmbed with their own content types, the payload as text', {
    skip,
  }, async () => {
    await table.attack('payloads in RSS and oEmbed answers', async () => {
      const parser = new Parser()
      let tried = 0
      for (const author of authors) {
        const rss = await world.site.app.inject({ url: `/user/${author.name}/rss` })
        assert.equal(rss.statusCode, 200)
        assert.match(String(rss.headers['content-type']), /^application\/(rss\+)?xml/)
        assert.equal(rss.headers['x-content-type-options'], 'nosniff')
        const feed = await parser.parseString(rss.body)
        const item = feed.items.find((entry) => entry.link?.endsWith(`/p/${author.post}`))
        assert.ok(item, `${author.name}: the post is in the feed`)
        if (stored.get('post title, description, alt text'))
          assert.equal(item.title, author.payload, 'the title comes back as the same text')

        const oembed = await world.site.app.inject({
          url: `/services/oembed?url=${encodeURIComponent(`${world.site.config.baseUrl}/p/${author.post}`)}`,
        })
        assert.equal(oembed.statusCode, 200)
        assert.match(String(oembed.headers['content-type']), /^application\/json/)
        const body = JSON.parse(oembed.body) as { title: string; html?: string }
        assert.equal(body.title, author.payload)
        assert.ok(!body.html?.includes('<script'), 'no script in the embed html')
        tried += 2
      }
      return tried
    })
  })
})
