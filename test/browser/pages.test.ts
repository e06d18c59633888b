// The main pages checked by axe-core in both themes: no serious or critical violation. Their
// screenshots, for people to look at, are `npm run screenshots` (scripts/screenshots.ts).
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium } from 'playwright-core'
import {
  axeSource,
  type BrowserSite,
  launchChromium,
  newPerson,
  runAxe,
  signInThroughForm,
  skipWithoutChromium,
} from '../helpers/chromium.js'
import { type MainPage, mainPagesSite } from '../helpers/main-pages.js'

const skip = skipWithoutChromium()

describe('main pages in chromium: accessibility', { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let axe = ''
  let pages: MainPage[] = []

  before(async () => {
    let lived: Awaited<ReturnType<typeof mainPagesSite>>
    ;[lived, chromium, axe] = await Promise.all([
      mainPagesSite(),
      launchChromium(),
      readFile(axeSource, 'utf8'),
    ])
    ;({ site, pages } = lived)
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
  })

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`axe finds no serious or critical violation (${colorScheme})`, async () => {
      // The axe check injects its script, which the site's CSP forbids: its contexts bypass it.
      const options = { colorScheme, bypassCSP: true }
      const visitor = await newPerson(chromium, site, options)
      const member = await newPerson(chromium, site, options)
      await signInThroughForm(await member.newPage(), 'alice')
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
      await Promise.all([visitor.close(), member.close()])
      assert.equal(found.length, 0, `axe violations:\n${found.join('\n')}`)
    })
  }
})
