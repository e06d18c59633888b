// A newcomer's first visit: create an account, confirm the address from the mail outbox,
// sign out, sign back in, change settings and look at the profile.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { PASSWORD, signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { Browser, location } from '../helpers/browser.js'
import { linkFromMail, outbox } from '../helpers/mail.js'

describe('account journey', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite()
  })
  after(() => site.close())

  it('takes a new user from sign-up to a confirmed, edited profile', async () => {
    const { app } = site
    const browser = new Browser(app)

    const form = await browser.get('/create-account')
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /name="_csrf"/)

    const created = await browser.post('/create-account', {
      name: 'Alice',
      email: 'Alice@Example.com',
      password: PASSWORD,
      password_again: PASSWORD,
    })
    assert.equal(created.statusCode, 303)
    assert.equal(location(created), '/create-account/check-your-mail')
    const sent = await browser.get('/create-account/check-your-mail')
    assert.match(sent.body, /We sent a message to Alice@Example\.com/)
    assert.match(sent.body, /Sign out/, 'signed in at once')

    const profile = await browser.get('/user/Alice')
    assert.equal(profile.statusCode, 200)
    assert.match(profile.body, /Sign out/)
    assert.match(profile.body, /Your shake is empty/)
    // The name is the one heading naming the person; the posts are headed "Posts".
    assert.equal([...profile.body.matchAll(/<h[1-6][^>]*>Alice<\/h[1-6]>/g)].length, 1)
    assert.match(profile.body, /<h2 id="shake-title">Posts<\/h2>/)

    // The personal shake was made with the account.
    const shake = await app.db
      .selectFrom('shake')
      .selectAll()
      .where('type', '=', 'user')
      .executeTakeFirstOrThrow()
    assert.equal(shake.name, 'Alice')

    // The verification mail is in the outbox, addressed in lower case.
    const mails = await outbox(app)
    assert.equal(mails.length, 1)
    assert.equal(mails[0]?.to, 'alice@example.com')
    const link = await linkFromMail(
      app,
      'alice@example.com',
      /http:\/\/mlkshk\.test\/verify-email\/\S+/,
    )
    const verified = await browser.get(link)
    assert.equal(verified.statusCode, 200)
    assert.match(verified.body, /alice@example\.com is confirmed/)
    const again = await browser.get(link)
    assert.equal(again.statusCode, 400, 'a verification link works once')

    const settings = await browser.get('/account/settings')
    assert.match(settings.body, /alice@example\.com is confirmed/)

    const signedOut = await browser.post('/sign-out', {})
    assert.equal(signedOut.statusCode, 303)
    const home = await browser.get('/')
    assert.doesNotMatch(home.body, /Sign out/)
    assert.equal((await browser.get('/account/settings')).statusCode, 302)

    await browser.get('/sign-in?next=/account/settings/profile')
    const signedIn = await browser.post('/sign-in', {
      name: 'alice',
      password: PASSWORD,
      next: '/account/settings/profile',
    })
    assert.equal(signedIn.statusCode, 303)
    assert.equal(location(signedIn), '/account/settings/profile')

    await browser.get('/account/settings/profile')
    const saved = await browser.post('/account/settings/profile', {
      full_name: 'Alice <Liddell>',
      about: 'Down the rabbit hole & back',
      website: 'https://alice.example/',
    })
    assert.equal(saved.statusCode, 303)
    const page = await browser.get('/user/alice')
    assert.equal(page.statusCode, 301, 'other spellings redirect to the canonical name')
    assert.equal(location(page), '/user/Alice')
    const shown = await browser.get('/~Alice')
    assert.match(shown.body, /Alice &lt;Liddell&gt;/)
    assert.match(shown.body, /Down the rabbit hole &amp; back/)
    assert.match(shown.body, /href="https:\/\/alice\.example\/" rel="nofollow noopener ugc"/)

    // Signing in by email works too.
    const byEmail = new Browser(app)
    await byEmail.get('/sign-in')
    assert.equal(
      (await byEmail.post('/sign-in', { name: 'ALICE@example.com', password: PASSWORD }))
        .statusCode,
      303,
    )
  })

  it('changes the email with re-verification', async () => {
    const browser = await signUp(site.app, 'bob')
    await browser.get('/account/settings')
    const wrongPassword = await browser.post('/account/settings', {
      form: 'email',
      email: 'robert@example.com',
      current_password: 'not my password',
    })
    assert.equal(wrongPassword.statusCode, 403)
    assert.match(wrongPassword.body, /current password is not right/)

    const changed = await browser.post('/account/settings', {
      form: 'email',
      email: 'Robert@Example.com',
      current_password: PASSWORD,
    })
    assert.equal(changed.statusCode, 303)
    const settings = await browser.get('/account/settings')
    assert.match(settings.body, /robert@example\.com is not confirmed yet/)

    // The link sent to the old address can no longer confirm anything.
    const oldLink = await linkFromMail(
      site.app,
      'bob@example.com',
      /http:\/\/\S+\/verify-email\/\S+/,
    )
    assert.equal((await browser.get(oldLink)).statusCode, 400)

    // The streams ask to confirm, with a button for a new link that comes back to the stream.
    const mailsTo = async () =>
      (await outbox(site.app)).filter((m) => m.to === 'robert@example.com').length
    assert.equal(await mailsTo(), 1)
    const firstLink = await linkFromMail(
      site.app,
      'robert@example.com',
      /http:\/\/\S+\/verify-email\/\S+/,
    )
    for (const stream of ['/', '/incoming']) {
      const page = (await browser.get(stream)).body
      assert.match(page, /Please confirm your email address[^<]*<strong>robert@example\.com</)
      assert.match(
        page,
        new RegExp(
          `action="/account/settings/resend-verification">[\\s\\S]*?name="next" value="${stream}"`,
        ),
      )
    }
    // Asking for the link again sends a new one and retires the first: one live link at a time.
    const resent = await browser.post('/account/settings/resend-verification', {
      next: '/incoming',
    })
    assert.equal(resent.statusCode, 303)
    assert.equal(resent.headers.location, '/incoming')
    assert.match((await browser.get('/incoming')).body, /We sent a new confirmation link/)
    assert.equal(await mailsTo(), 2)
    const newLink = await linkFromMail(
      site.app,
      'robert@example.com',
      /http:\/\/\S+\/verify-email\/\S+/,
    )
    assert.notEqual(newLink, firstLink)
    assert.equal((await browser.get(firstLink)).statusCode, 400, 'the first link is retired')
    assert.equal((await browser.get(newLink)).statusCode, 200)
    assert.doesNotMatch((await browser.get('/')).body, /Please confirm your email address/)
    assert.match((await browser.get('/account/settings')).body, /robert@example\.com is confirmed/)
    // Once confirmed, asking again sends nothing.
    await browser.post('/account/settings/resend-verification', {})
    assert.equal(await mailsTo(), 2)
  })

  it('resets a forgotten password by mail, once', async () => {
    const { app } = site
    await signUp(app, 'carol')
    const browser = new Browser(app)
    await browser.get('/account/forgot-password')
    const sent = await browser.post('/account/forgot-password', { email: 'CAROL@example.com' })
    assert.equal(sent.statusCode, 200)
    assert.match(sent.body, /Check your mail/)

    const link = await linkFromMail(
      app,
      'carol@example.com',
      /http:\/\/\S+\/account\/reset-password\/\S+/,
    )
    const resetForm = await browser.get(link)
    assert.equal(resetForm.statusCode, 200)
    assert.equal(resetForm.headers['referrer-policy'], 'no-referrer')
    const reset = await browser.post(link, {
      password: 'a brand new passphrase',
      password_again: 'a brand new passphrase',
    })
    assert.equal(reset.statusCode, 303)
    assert.equal(location(reset), '/sign-in')
    assert.match((await browser.get('/sign-in')).body, /Your password is changed/)

    const reused = await browser.post(link, {
      password: 'another new passphrase',
      password_again: 'another new passphrase',
    })
    assert.equal(reused.statusCode, 400)
    assert.match(reused.body, /invalid, has expired or was already used/)
    assert.equal((await browser.get(link)).statusCode, 400)

    const old = new Browser(app)
    await old.get('/sign-in')
    assert.equal(
      (await old.post('/sign-in', { name: 'carol', password: PASSWORD })).statusCode,
      401,
    )
    assert.equal(
      (await old.post('/sign-in', { name: 'carol', password: 'a brand new passphrase' }))
        .statusCode,
      303,
    )
  })
})
