// The terms of use and the FAQ: there by default, linked from every page's footer and from
// sign-up, and replaced by the operator's own text when DATA_DIR/pages holds it.
import assert from 'node:assert/strict'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestSite, type TestSite } from '../helpers/app.js'

describe('terms of use and FAQ', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite()
  })
  after(async () => {
    await site?.close()
  })

  it('serves both with their default text, linked from the footer and sign-up', async () => {
    const terms = await site.app.inject({ url: '/terms-of-use' })
    assert.equal(terms.statusCode, 200)
    assert.match(terms.body, /<h1>Terms of use<\/h1>/)
    assert.match(terms.body, /Post only what you have the right to share/)
    const faq = await site.app.inject({ url: '/faq' })
    assert.equal(faq.statusCode, 200)
    assert.match(faq.body, /<h1>Frequently asked questions<\/h1>/)
    for (const page of ['/', '/sign-in', '/faq']) {
      const body = (await site.app.inject({ url: page })).body
      assert.match(body, /<footer[\s\S]*href="\/terms-of-use"[\s\S]*<\/footer>/, page)
      assert.match(body, /<footer[\s\S]*href="\/faq"[\s\S]*<\/footer>/, page)
    }
    const signUp = (await site.app.inject({ url: '/create-account' })).body
    assert.match(
      signUp,
      /<form[\s\S]*agree to the <a href="\/terms-of-use">terms of use<\/a>[\s\S]*<\/form>/,
    )
  })

  it("shows the operator's own text when DATA_DIR/pages has it", async () => {
    const dir = path.join(site.config.dataDir, 'pages')
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'terms-of-use.html'), '<p>Our <em>own</em> rules.</p>')
    try {
      const terms = await site.app.inject({ url: '/terms-of-use' })
      assert.equal(terms.statusCode, 200)
      assert.match(terms.body, /<h1>Terms of use<\/h1>\s*<p>Our <em>own<\/em> rules.<\/p>/)
      assert.doesNotMatch(terms.body, /Post only what you have the right to share/)
      // The other page keeps its default.
      assert.match((await site.app.inject({ url: '/faq' })).body, /What is a shake\?/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    assert.match((await site.app.inject({ url: '/terms-of-use' })).body, /Post only what you/)
  })
})
