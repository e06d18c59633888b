// Every page type, as a visitor and signed in, has one meta description saying what is on it
// and headings in order (one h1, no level skipped): what search engines and screen readers
// read first. The full audits (Lighthouse, the HTML validator) are npm run test:pages.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import * as images from '../helpers/images.js'
import { metaDescriptions, outlineProblems } from '../helpers/page-outline.js'
import { type PageToCheck, pagesToCheck, type SeededSite, seedSite } from '../pages/seed.js'

describe('page outline: meta description and headings', () => {
  let site: TestSite
  let seeded: SeededSite
  let pages: PageToCheck[]

  before(async () => {
    site = await createTestSite({ RATE_LIMIT_UPLOAD: '10000/60' })
    const picture = async (title: string, description: string) => ({
      title,
      description,
      altText: `${title}, as a test picture`,
      data: await images.jpeg(320, 240),
      filename: 'p.jpg',
      contentType: 'image/jpeg',
    })
    seeded = await seedSite(site.app, [
      await picture('Fog over the bay', 'The bay at six in the morning, before the ferry.'),
      await picture('Harbour lights', 'Long exposure from the pier.'),
    ])
    pages = pagesToCheck(seeded)
  })
  after(async () => {
    await site?.close()
  })

  async function html(page: PageToCheck): Promise<string> {
    const reader = page.as === 'visitor' ? new Browser(site.app) : seeded.people[page.as]
    const response = await reader.get(page.path)
    assert.equal(response.statusCode, page.status ?? 200, `${page.path} as ${page.as}`)
    return response.body
  }

  it('every page has one meta description and its headings in order', async () => {
    const failures: string[] = []
    for (const page of pages) {
      const problems = outlineProblems(await html(page))
      if (problems.length) failures.push(`${page.path} as ${page.as}: ${problems.join(', ')}`)
    }
    assert.deepEqual(failures, [])
  })

  it('describes each page by what it shows', async () => {
    const description = async (path: string) =>
      metaDescriptions((await new Browser(site.app).get(path)).body)[0] ?? ''
    const post = await description(`/p/${seeded.posts[0]}`)
    assert.match(post, /Fog over the bay/)
    assert.match(post, /before the ferry/)
    assert.match(await description('/user/alice'), /alice/)
    assert.match(await description(`/${seeded.shake}`), /low cloud/)
    assert.match(await description('/incoming'), /new/i)
    assert.match(await description('/popular'), /liked/i)
  })
})
