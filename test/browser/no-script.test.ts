// The same journeys as journeys.test.ts with JavaScript turned off: every form posts and the
// server answers with a page, so the site works for everyone.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser as Chromium, Page } from 'playwright-core'
import { signUp } from '../helpers/accounts.js'
import {
  type BrowserSite,
  launchChromium,
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

describe('in chromium without JavaScript', { skip }, () => {
  let site: BrowserSite
  let chromium: Chromium
  let alice: Page
  let bob: Page
  let key = ''

  before(async () => {
    ;[site, chromium] = await Promise.all([startBrowserSite(), launchChromium()])
    alice = await (await newPerson(chromium, site, { javaScriptEnabled: false })).newPage()
    bob = await (await newPerson(chromium, site, { javaScriptEnabled: false })).newPage()
  })
  after(async () => {
    await chromium?.close()
    await site?.close()
  })

  it('signs up, confirms the address, signs out and in again', async () => {
    await signUpAndVerify(alice, site, 'alice')
    await alice.goto('/')
    // The account menu is a <details>: it opens without scripts.
    await alice.locator('.account-menu summary').click()
    await alice.getByRole('button', { name: 'Sign out' }).click()
    // The page after signing out is /, where alice already was: wait for what changed.
    await alice.getByRole('link', { name: 'Sign in', exact: true }).waitFor()
    await signInThroughForm(alice, 'alice')
    assert.equal(await alice.locator('.account-name').textContent(), 'alice')
  })

  it('posts with the file picker; a refused upload keeps what was typed', async () => {
    const form = alice.locator('#upload-form')
    await alice.goto('/tools/new-post')
    await form.getByLabel('Title').fill('Typed before the refusal')
    await form.getByLabel('Description').fill('Still here afterwards')
    await form.getByLabel('Image').setInputFiles({
      name: 'fake.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('this is not a picture'),
    })
    await form.getByRole('button', { name: 'Post', exact: true }).click()
    assert.match((await alice.locator('.form-error').textContent()) ?? '', /image/i)
    assert.equal(await form.getByLabel('Title').inputValue(), 'Typed before the refusal')
    assert.equal(await form.getByLabel('Description').inputValue(), 'Still here afterwards')

    await form.getByLabel('Alt text').fill('Green field with a white corner')
    await form.getByLabel('Image').setInputFiles({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: await images.jpeg(1200, 900),
    })
    await form.getByRole('button', { name: 'Post', exact: true }).click()
    await alice.waitForURL(/\/p\/[0-9A-Z]+$/)
    key = new URL(alice.url()).pathname.slice(3)
    assert.equal(await alice.locator('h1').first().textContent(), 'Typed before the refusal')
    const image = alice.locator('.post-figure img')
    assert.equal(await image.getAttribute('alt'), 'Green field with a white corner')
    assert.match((await image.getAttribute('srcset')) ?? '', /\/550\.jpg 550w, .*\/1100\.jpg 1100w/)
  })

  it('edits the alt text through the edit form', async () => {
    await alice.getByRole('link', { name: 'Edit alt text' }).click()
    assert.equal(new URL(alice.url()).hash, '#f-alt_text')
    await alice.locator('#edit-form').getByLabel('Alt text').fill('A green field, corner lit')
    await alice.getByRole('button', { name: 'Save changes' }).click()
    await alice.getByText('Your changes are saved.').waitFor()
    assert.equal(await alice.locator('.alt-text-value').textContent(), 'A green field, corner lit')
  })

  it('follows, likes, saves, comments and deletes a comment through plain forms', async () => {
    await signUpAndVerify(bob, site, 'bob')
    await bob.goto('/user/alice')
    await bob.getByRole('button', { name: 'Follow' }).click()
    await bob.getByRole('button', { name: 'Unfollow' }).waitFor()
    assert.match(
      (await bob.getByRole('button', { name: 'Unfollow' }).getAttribute('class')) ?? '',
      /\bsecondary\b/,
      'following is the quiet state',
    )

    await settle(site.app)
    await bob.goto('/')
    const card = bob.locator(`.post-card[data-post="${key}"]`)
    await card.getByRole('button', { name: 'Like' }).click()
    await bob.waitForURL(new RegExp(`/p/${key}$`))
    assert.equal(await bob.locator('.like-button').getAttribute('aria-pressed'), 'true')
    assert.equal(await bob.locator('.post-actions .like-count').textContent(), '1 like')

    await bob.getByRole('button', { name: 'Save', exact: true }).click()
    await bob.getByText('Saved to your shake.').waitFor()

    await bob.goto(`/p/${key}`)
    await bob.getByLabel('Add a comment').fill('Lovely light')
    await bob.getByRole('button', { name: 'Comment', exact: true }).click()
    await bob.locator('.comment', { hasText: 'Lovely light' }).waitFor()
    await bob.getByLabel('Add a comment').fill('Posted by mistake')
    await bob.getByRole('button', { name: 'Comment', exact: true }).click()
    const mistake = bob.locator('.comment', { hasText: 'Posted by mistake' })
    await mistake.getByRole('button', { name: /Delete/ }).click()
    // The answer is the post again: wait for the comment to go, not for an address.
    await mistake.waitFor({ state: 'detached' })
    assert.match(bob.url(), /#comments$/)
    assert.equal(await bob.locator('.comment').count(), 1)

    // bob's profile counts what he did: the save is a post, alice's shake followed, one like.
    await bob.goto('/user/bob')
    const counts = bob.locator('.profile-counts')
    for (const text of ['1 post', '0 followers', '1 following', '1 like'])
      await counts.getByText(text, { exact: true }).waitFor()
    await counts.getByRole('link', { name: '1 like' }).click()
    await bob.waitForURL('**/user/bob/likes')
    assert.equal(await bob.locator(`.post-card[data-post="${key}"]`).count(), 1, 'the liked post')
  })

  it('shows the timeline, notifications, and clears them', async () => {
    await bob.goto('/')
    assert.equal(await bob.locator('h1').first().textContent(), 'Your friends')
    assert.equal(await bob.locator(`.post-card[data-post="${key}"]`).count(), 1)

    await settle(site.app)
    await alice.goto('/notifications')
    const text = (await alice.locator('.notifications').textContent()) ?? ''
    for (const what of [/bob liked/, /bob saved/, /bob\s+commented/, /bob\s+started following/])
      assert.match(text, what)
    await alice.getByRole('button', { name: 'Clear all' }).click()
    await alice.getByText('Nothing new this week.').waitFor()
  })

  it('pages through a stream with the Older link', async () => {
    const carol = await signUp(site.app, 'carol')
    for (let i = 0; i < 10; i++) await post(carol, `Carol ${i}`, await images.jpeg(40 + i, 30))
    await bob.goto('/incoming')
    assert.equal(await bob.locator('.post-card').count(), 10)
    await bob.getByRole('link', { name: 'Older →' }).click()
    await bob.waitForURL(/\/incoming\/before\/[0-9A-Z]+$/)
    assert.ok((await bob.locator('.post-card').count()) >= 1)
    assert.equal(await bob.getByRole('button', { name: 'Load more' }).count(), 0)
  })
})
