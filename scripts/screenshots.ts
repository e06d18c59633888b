// `npm run screenshots`: the main pages (test/helpers/main-pages.ts) at desktop and phone sizes,
// light and dark, as PNG files in artifacts/screenshots/ for people to look at. Not a test: it
// checks nothing (test/browser/pages.test.ts checks the same pages with axe-core). It needs
// chromium (/usr/bin/chromium or CHROMIUM_PATH) and, like the tests, SQLite by default or
// TEST_DATABASE_URL.
import {
  chromiumPath,
  launchChromium,
  newPerson,
  screenshot,
  screenshotsDir,
  signInThroughForm,
} from '../test/helpers/chromium.js'
import { mainPagesSite, settleImages } from '../test/helpers/main-pages.js'

// Dark mode only changes colours: three pages show it.
const darkPages = ['home', 'post', 'new-post']

const [{ site, pages }, chromium] = await Promise.all([mainPagesSite(), launchChromium()]).catch(
  (error: Error) => {
    console.error(`could not start the site or chromium (${chromiumPath}): ${error.message}`)
    process.exit(1)
  },
)
let taken = 0
try {
  for (const [size, phone] of [
    ['desktop', false],
    ['phone', true],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const visitor = await newPerson(chromium, site, { colorScheme, phone })
      const member = await newPerson(chromium, site, { colorScheme, phone })
      await signInThroughForm(await member.newPage(), 'alice')
      for (const { name, path, signedIn } of pages) {
        if (colorScheme === 'dark' && !darkPages.includes(name)) continue
        const page = await (signedIn ? member : visitor).newPage()
        await page.goto(path)
        await settleImages(page)
        await screenshot(page, `${size}-${colorScheme}-${name}`)
        await page.close()
        taken++
      }
      await Promise.all([visitor.close(), member.close()])
    }
  }
} finally {
  await chromium.close()
  await site.close()
}
console.log(`${taken} screenshots in ${screenshotsDir}`)
