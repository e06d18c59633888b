// The API's OAuth 2 flow with PKCE: registration, consent, code exchange, refresh, revocation,
// rate limits, and what must never authenticate (cookies, revoked or foreign tokens).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { sweepExpired } from '../../src/services/housekeeping.js'
import { signUp } from '../helpers/accounts.js'
import {
  apiClient,
  authorizeParams,
  authorizeUrl,
  consent,
  grantTokens,
  pkcePair,
  REDIRECT_URI,
  registerApp,
  type TestClient,
  tokenRequest,
} from '../helpers/api.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { type Browser, location } from '../helpers/browser.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { post } from '../helpers/social.js'

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

describe('API: OAuth 2 with PKCE', () => {
  let site: TestSite
  let dev: Browser
  let alice: Browser
  let client: TestClient

  before(async () => {
    site = await createTestSite({
      RATE_LIMIT_SIGN_IN: '10000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
    })
    dev = await signUp(site.app, 'dev')
    alice = await signUp(site.app, 'alice')
    client = await registerApp(dev, { name: 'Picture <Frame>' })
  })
  after(() => site?.close())

  /** A fresh code for alice; the verifier to redeem it with. */
  async function freshCode(forClient = client): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair()
    const back = await consent(alice, authorizeParams(forClient, challenge))
    return { code: back.searchParams.get('code') as string, verifier }
  }

  function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
    return tokenRequest(site.app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
      code_verifier: verifier,
      ...extra,
    })
  }

  it('registers an app: the secret is shown once and stored only as a hash', async () => {
    assert.ok(client.clientSecret)
    const row = await site.app.db
      .selectFrom('api_app')
      .selectAll()
      .where('client_id', '=', client.clientId)
      .executeTakeFirstOrThrow()
    assert.equal(row.secret_hash, sha256(client.clientSecret))
    assert.deepEqual(JSON.parse(row.redirect_uris), [REDIRECT_URI])
    const list = await dev.get('/developers/apps')
    assert.match(list.body, /Picture &lt;Frame&gt;/)
    assert.match(list.body, new RegExp(client.clientId))
    assert.doesNotMatch(list.body, new RegExp(client.clientSecret))
  })

  it('refuses redirect addresses that are not https, loopback http or an app scheme', async () => {
    await dev.get('/developers/apps')
    for (const uri of [
      'http://app.example/cb',
      'https://app.example/cb#frag',
      'javascript:alert(1)',
    ]) {
      const response = await dev.post('/developers/apps', {
        name: 'Bad',
        description: '',
        redirect_uris: uri,
        confidential: 'yes',
      })
      assert.equal(response.statusCode, 400, uri)
    }
    const native = await registerApp(dev, {
      name: 'Native',
      redirectUris: ['com.example.app:/callback', 'http://127.0.0.1:8765/cb'],
      confidential: false,
    })
    assert.equal(native.clientSecret, undefined)
  })

  it('the whole flow: consent page, code, token, then the API as alice', async () => {
    const { verifier, challenge } = pkcePair()
    const params = authorizeParams(client, challenge)
    const page = await alice.get(authorizeUrl(params))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Allow Picture &lt;Frame&gt; to use your account\?/)
    assert.match(page.body, /<strong>read<\/strong>/)
    assert.match(page.body, /<strong>write<\/strong>/)
    assert.match(page.body, /app\.example/)
    // The form's answer redirects to the app: the page's policy allows exactly that origin.
    assert.match(
      String(page.headers['content-security-policy']),
      /form-action 'self' https:\/\/app\.example;/,
    )
    const answer = await alice.post('/api/authorize', { ...params, decision: 'allow' })
    assert.equal(answer.statusCode, 303)
    const back = new URL(location(answer) as string)
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI)
    assert.equal(back.searchParams.get('state'), 'xyz-state')
    const code = back.searchParams.get('code') as string
    assert.match(code, /^[A-Za-z0-9_-]{43}$/)

    const tokens = await exchange(code, verifier)
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body))
    assert.equal(tokens.headers['cache-control'], 'no-store')
    assert.equal(tokens.body.token_type, 'Bearer')
    assert.equal(tokens.body.scope, 'read write')
    assert.equal(tokens.body.expires_in, 3600)
    const access = tokens.body.access_token as string

    const me = await apiClient(site.app, access).get('/api/user')
    assert.equal(me.status, 200)
    assert.equal(me.body.name, 'alice')

    // Only hashes are stored.
    const grant = await site.app.db
      .selectFrom('api_access_token')
      .selectAll()
      .where('token_hash', '=', sha256(access))
      .executeTakeFirstOrThrow()
    assert.equal(grant.refresh_hash, sha256(tokens.body.refresh_token as string))
    const codeRow = await site.app.db
      .selectFrom('api_authorization_code')
      .selectAll()
      .where('code_hash', '=', sha256(code))
      .executeTakeFirstOrThrow()
    assert.notEqual(codeRow.used_at, null)
  })

  it('requires PKCE with S256: no challenge, plain, or a malformed challenge is refused', async () => {
    const { challenge } = pkcePair()
    const refusals: Record<string, string>[] = [
      { code_challenge: '' },
      { code_challenge_method: 'plain' },
      { code_challenge_method: '' },
      { code_challenge: 'short' },
    ]
    for (const extra of refusals) {
      const response = await alice.get(authorizeUrl(authorizeParams(client, challenge, extra)))
      assert.equal(response.statusCode, 302, JSON.stringify(extra))
      const back = new URL(location(response) as string)
      assert.equal(back.searchParams.get('error'), 'invalid_request', JSON.stringify(extra))
      assert.equal(back.searchParams.get('state'), 'xyz-state')
      assert.equal(back.searchParams.get('code'), null)
    }
    // The same checks stand when the form is posted directly.
    const forged = await alice.post('/api/authorize', {
      ...authorizeParams(client, 'x'.repeat(43), { code_challenge_method: 'plain' }),
      decision: 'allow',
    })
    assert.equal(new URL(location(forged) as string).searchParams.get('error'), 'invalid_request')
    // A code exchange without a verifier is refused too.
    const { code } = await freshCode()
    const noVerifier = await exchange(code, '')
    assert.equal(noVerifier.status, 400)
    assert.equal(noVerifier.body.error, 'invalid_request')
  })

  it('refuses unknown response types and scopes at the app, with the state', async () => {
    const { challenge } = pkcePair()
    const token = await alice.get(
      authorizeUrl(authorizeParams(client, challenge, { response_type: 'token' })),
    )
    assert.equal(
      new URL(location(token) as string).searchParams.get('error'),
      'unsupported_response_type',
    )
    const scope = await alice.get(
      authorizeUrl(authorizeParams(client, challenge, { scope: 'admin' })),
    )
    assert.equal(new URL(location(scope) as string).searchParams.get('error'), 'invalid_scope')
    // A missing or empty parameter is a malformed request, not an unsupported one.
    const { response_type: _, ...withoutType } = authorizeParams(client, challenge)
    for (const params of [withoutType, authorizeParams(client, challenge, { response_type: '' })]) {
      const back = new URL(location(await alice.get(authorizeUrl(params))) as string)
      assert.equal(back.searchParams.get('error'), 'invalid_request')
      assert.equal(back.searchParams.get('state'), 'xyz-state')
    }
  })

  it('never sends anything to an unregistered redirect URI or for an unregistered client', async () => {
    const { challenge } = pkcePair()
    const foreign: Record<string, string>[] = [
      { redirect_uri: 'https://evil.example/callback' },
      { redirect_uri: `${REDIRECT_URI}/more` },
      { redirect_uri: `${REDIRECT_URI}?x=1` },
      { client_id: '0'.repeat(32) },
    ]
    for (const extra of foreign) {
      const response = await alice.get(authorizeUrl(authorizeParams(client, challenge, extra)))
      assert.equal(response.statusCode, 400, JSON.stringify(extra))
      assert.equal(response.headers.location, undefined)
      assert.doesNotMatch(response.body, /evil\.example/)
      const posted = await alice.post('/api/authorize', {
        ...authorizeParams(client, challenge, extra),
        decision: 'allow',
      })
      assert.equal(posted.statusCode, 400)
      assert.equal(posted.headers.location, undefined)
    }
  })

  it('the consent page needs a signed-in user, and its form a CSRF token', async () => {
    const { challenge } = pkcePair()
    const params = authorizeParams(client, challenge)
    const anonymous = await site.app.inject({ method: 'GET', url: authorizeUrl(params) })
    assert.equal(anonymous.statusCode, 302)
    assert.match(anonymous.headers.location as string, /^\/sign-in\?next=/)
    await alice.get(authorizeUrl(params))
    const forged = await alice.post(
      '/api/authorize',
      { ...params, decision: 'allow' },
      { csrf: false },
    )
    assert.equal(forged.statusCode, 403)
    assert.equal(forged.headers.location, undefined)
  })

  it('deny sends access_denied and no code', async () => {
    const { challenge } = pkcePair()
    const back = await consent(alice, authorizeParams(client, challenge), 'deny')
    assert.equal(back.searchParams.get('error'), 'access_denied')
    assert.equal(back.searchParams.get('code'), null)
  })

  it('a wrong verifier is refused, and burns the code', async () => {
    const { code, verifier } = await freshCode()
    const wrong = await exchange(code, pkcePair().verifier)
    assert.equal(wrong.status, 400)
    assert.equal(wrong.body.error, 'invalid_grant')
    const right = await exchange(code, verifier)
    assert.equal(right.body.error, 'invalid_grant')
  })

  it('a reused code is refused, and revokes the token it gave', async () => {
    const { code, verifier } = await freshCode()
    const first = await exchange(code, verifier)
    assert.equal(first.status, 200)
    const api = apiClient(site.app, first.body.access_token as string)
    assert.equal((await api.get('/api/user')).status, 200)
    const again = await exchange(code, verifier)
    assert.equal(again.status, 400)
    assert.equal(again.body.error, 'invalid_grant')
    assert.equal((await api.get('/api/user')).status, 401)
  })

  it('the code is bound to its redirect URI and client', async () => {
    const other = await registerApp(dev, { name: 'Other app' })
    const otherRedirect = await registerApp(dev, {
      name: 'Two addresses',
      redirectUris: [REDIRECT_URI, 'https://app.example/other'],
    })
    // Another registered redirect URI of the same app.
    {
      const { verifier, challenge } = pkcePair()
      const back = await consent(alice, authorizeParams(otherRedirect, challenge))
      const answer = await tokenRequest(site.app, {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') as string,
        redirect_uri: 'https://app.example/other',
        client_id: otherRedirect.clientId,
        client_secret: otherRedirect.clientSecret as string,
        code_verifier: verifier,
      })
      assert.equal(answer.body.error, 'invalid_grant')
    }
    // Another registered client with its own good secret.
    {
      const { code, verifier } = await freshCode()
      const answer = await exchange(code, verifier, {
        client_id: other.clientId,
        client_secret: other.clientSecret as string,
      })
      assert.equal(answer.status, 400)
      assert.equal(answer.body.error, 'invalid_grant')
    }
    // An unregistered client, a wrong secret, no secret: the client is not authenticated.
    const { code, verifier } = await freshCode()
    const unauthenticated: Record<string, string>[] = [
      { client_id: 'f'.repeat(32) },
      { client_secret: 'wrong' },
      { client_secret: '' },
    ]
    for (const extra of unauthenticated) {
      const answer = await exchange(code, verifier, extra)
      assert.equal(answer.status, 401, JSON.stringify(extra))
      assert.equal(answer.body.error, 'invalid_client')
      assert.match(String(answer.headers['www-authenticate']), /^Basic /)
    }
    // None of those spent the code: with the right client (over HTTP Basic) it still works.
    const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')
    const answer = await tokenRequest(
      site.app,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      { authorization: `Basic ${basic}` },
    )
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
  })

  it('an expired code is refused', async () => {
    const { code, verifier } = await freshCode()
    await site.app.db
      .updateTable('api_authorization_code')
      .set({ expires_at: '2000-01-01 00:00:00' })
      .where('code_hash', '=', sha256(code))
      .execute()
    assert.equal((await exchange(code, verifier)).body.error, 'invalid_grant')
  })

  it('unsupported grant types are named as such', async () => {
    const answer = await tokenRequest(site.app, {
      grant_type: 'password',
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
    })
    assert.equal(answer.body.error, 'unsupported_grant_type')
  })

  it('a public app gets tokens with PKCE alone', async () => {
    const app = await registerApp(dev, { name: 'Phone app', confidential: false })
    const tokens = await grantTokens(site.app, alice, app)
    assert.equal((await apiClient(site.app, tokens.access).get('/api/user')).body.name, 'alice')
  })

  it('refresh rotates the pair: the old access and refresh tokens stop working', async () => {
    const tokens = await grantTokens(site.app, alice, client)
    const refreshed = await tokenRequest(site.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
    })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
    assert.notEqual(refreshed.body.access_token, tokens.access)
    assert.equal((await apiClient(site.app, tokens.access).get('/api/user')).status, 401)
    const fresh = apiClient(site.app, refreshed.body.access_token as string)
    assert.equal((await fresh.get('/api/user')).status, 200)
    const replay = await tokenRequest(site.app, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
    })
    assert.equal(replay.body.error, 'invalid_grant')
  })

  it('tokens: missing, malformed, expired and read-only ones get the right answer', async () => {
    const none = await apiClient(site.app, undefined).get('/api/user')
    assert.equal(none.status, 401)
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="MLKSHK API"')
    assert.equal(none.body.error, 'unauthorized')
    const junk = await apiClient(site.app, 'not-a-token').get('/api/user')
    assert.equal(junk.status, 401)
    assert.match(String(junk.headers['www-authenticate']), /error="invalid_token"/)

    const tokens = await grantTokens(site.app, alice, client)
    await site.app.db
      .updateTable('api_access_token')
      .set({ expires_at: '2000-01-01 00:00:00' })
      .where('token_hash', '=', sha256(tokens.access))
      .execute()
    assert.equal((await apiClient(site.app, tokens.access).get('/api/user')).status, 401)

    const readOnly = await grantTokens(site.app, alice, client, 'read')
    const reader = apiClient(site.app, readOnly.access)
    assert.equal((await reader.get('/api/user')).status, 200)
    const key = await post(dev, 'A post to like')
    const refused = await reader.post(`/api/sharedfile/${key}/like`)
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error, 'insufficient_scope')
    assert.match(String(refused.headers['www-authenticate']), /scope="write"/)
  })

  it('a session cookie never authenticates the API, even with a CSRF token', async () => {
    const key = await post(dev, 'Cookies are not credentials here')
    await alice.get('/')
    const cookie = [...alice.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const read = await site.app.inject({ method: 'GET', url: '/api/user', headers: { cookie } })
    assert.equal(read.statusCode, 401)
    const write = await site.app.inject({
      method: 'POST',
      url: `/api/sharedfile/${key}/like`,
      headers: {
        cookie,
        'x-csrf-token': alice.csrf as string,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `_csrf=${encodeURIComponent(alice.csrf as string)}`,
    })
    assert.equal(write.statusCode, 401)
    const row = await site.app.db
      .selectFrom('sharedfile')
      .select('like_count')
      .where('id', '=', Number.parseInt(key, 36))
      .executeTakeFirstOrThrow()
    assert.equal(row.like_count, 0)
    // A token with someone else's cookie beside it acts only as the token's user.
    const tokens = await grantTokens(site.app, alice, client)
    const devCookie = [...dev.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const me = await apiClient(site.app, tokens.access).get('/api/user', { cookie: devCookie })
    assert.equal(me.body.name, 'alice')
    // Writes with a token need no CSRF token.
    const liked = await apiClient(site.app, tokens.access).post(`/api/sharedfile/${key}/like`)
    assert.equal(liked.status, 200)
  })

  it('settings list the apps; revoking a token, an app, or deleting the app gives 401', async () => {
    const first = await grantTokens(site.app, alice, client)
    const second = await grantTokens(site.app, alice, client)
    const page = await alice.get('/account/settings/connections')
    assert.match(page.body, /Picture &lt;Frame&gt;/)
    const settings = await alice.get('/account/settings')
    assert.match(settings.body, /href="\/account\/settings\/connections"/)

    const firstId = (
      await site.app.db
        .selectFrom('api_access_token')
        .select('id')
        .where('token_hash', '=', sha256(first.access))
        .executeTakeFirstOrThrow()
    ).id
    // Someone else cannot revoke alice's token.
    await dev.get('/account/settings/connections')
    assert.equal(
      (await dev.post(`/account/settings/connections/token/${firstId}/revoke`, {})).statusCode,
      404,
    )
    assert.equal((await apiClient(site.app, first.access).get('/api/user')).status, 200)
    await alice.get('/account/settings/connections')
    const revoked = await alice.post(`/account/settings/connections/token/${firstId}/revoke`, {})
    assert.equal(revoked.statusCode, 303)
    assert.equal((await apiClient(site.app, first.access).get('/api/user')).status, 401)
    assert.equal((await apiClient(site.app, second.access).get('/api/user')).status, 200)

    // Revoking the app takes every token (and refresh token) it has from alice.
    const appId = (
      await site.app.db
        .selectFrom('api_app')
        .select('id')
        .where('client_id', '=', client.clientId)
        .executeTakeFirstOrThrow()
    ).id
    await alice.get('/account/settings/connections')
    await alice.post(`/account/settings/connections/${appId}/disconnect`, {})
    assert.equal((await apiClient(site.app, second.access).get('/api/user')).status, 401)
    const refresh = await tokenRequest(site.app, {
      grant_type: 'refresh_token',
      refresh_token: second.refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
    })
    assert.equal(refresh.body.error, 'invalid_grant')

    // The developer deleting the app revokes what it holds from everyone.
    const app = await registerApp(dev, { name: 'Short-lived' })
    const third = await grantTokens(site.app, alice, app)
    const appRow = await site.app.db
      .selectFrom('api_app')
      .select('id')
      .where('client_id', '=', app.clientId)
      .executeTakeFirstOrThrow()
    await alice.get('/developers/apps')
    assert.equal((await alice.post(`/developers/apps/${appRow.id}/delete`, {})).statusCode, 404)
    await dev.get('/developers/apps')
    assert.equal((await dev.post(`/developers/apps/${appRow.id}/delete`, {})).statusCode, 303)
    assert.equal((await apiClient(site.app, third.access).get('/api/user')).status, 401)
  })

  it('the sweep removes dead codes and tokens, and keeps refreshable ones', async () => {
    const { code } = await freshCode()
    const expiredButRefreshable = await grantTokens(site.app, alice, client)
    const dead = await grantTokens(site.app, alice, client)
    const db = site.app.db
    await db
      .updateTable('api_authorization_code')
      .set({ expires_at: '2000-01-01 00:00:00' })
      .where('code_hash', '=', sha256(code))
      .execute()
    await db
      .updateTable('api_access_token')
      .set({ expires_at: '2000-01-01 00:00:00' })
      .where('token_hash', 'in', [sha256(expiredButRefreshable.access), sha256(dead.access)])
      .execute()
    await db
      .updateTable('api_access_token')
      .set({ refresh_expires_at: '2000-01-01 00:00:00' })
      .where('token_hash', '=', sha256(dead.access))
      .execute()
    const swept = await sweepExpired(db)
    assert.ok(swept.apiGrants >= 2)
    const left = await db
      .selectFrom('api_access_token')
      .select('token_hash')
      .where('token_hash', 'in', [sha256(expiredButRefreshable.access), sha256(dead.access)])
      .execute()
    assert.deepEqual(
      left.map((r) => r.token_hash),
      [sha256(expiredButRefreshable.access)],
    )
    const codes = await db
      .selectFrom('api_authorization_code')
      .select('id')
      .where('code_hash', '=', sha256(code))
      .execute()
    assert.equal(codes.length, 0)
    const refreshed = await tokenRequest(site.app, {
      grant_type: 'refresh_token',
      refresh_token: expiredButRefreshable.refresh,
      client_id: client.clientId,
      client_secret: client.clientSecret as string,
    })
    assert.equal(refreshed.status, 200)
  })

  it('unknown API paths answer JSON 404 and the reference page documents every endpoint', async () => {
    const tokens = await grantTokens(site.app, alice, client)
    const missing = await apiClient(site.app, tokens.access).get('/api/nothing-here')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error, 'not_found')
    const reference = await site.app.inject({ method: 'GET', url: '/developers' })
    assert.equal(reference.statusCode, 200)
    for (const path of [
      '/api/authorize',
      '/api/token',
      '/api/sharedfile/KEY',
      '/api/user_id/ID',
      '/api/user_name/NAME',
      '/api/shakes',
      '/api/shakes/ID',
      '/api/friends',
      '/api/incoming',
      '/api/magicfiles',
      '/api/favorites',
      '/api/upload',
      '/api/sharedfile/KEY/like',
      '/api/sharedfile/KEY/save',
      '/api/sharedfile/KEY/comments',
    ]) {
      assert.ok(reference.body.includes(path), path)
    }
  })
})

// Counted in memory on one node, or in Redis (shared by every node) in production.
for (const store of ['memory', 'redis'] as const) {
  describe(`API: per-token rate limits (${store})`, async () => {
    const skip = store === 'redis' ? await skipUnless('Redis', redisUrl) : false
    let site: TestSite
    let alice: Browser
    let client: TestClient

    before(async () => {
      if (skip) return
      site = await createTestSite({
        RATE_LIMIT_API: '3/60',
        RATE_LIMIT_CREATE_ACCOUNT: '100/60',
        ...(store === 'redis' ? { REDIS_URL: redisUrl } : {}),
      })
      const dev = await signUp(site.app, 'dev')
      alice = await signUp(site.app, 'alice')
      client = await registerApp(dev)
    })
    after(() => site?.close())

    it('counts calls per token with X-RateLimit headers, then answers 429 in JSON', {
      skip,
    }, async () => {
      const tokens = await grantTokens(site.app, alice, client)
      const api = apiClient(site.app, tokens.access)
      const seen: string[] = []
      for (let i = 0; i < 3; i++) {
        const answer = await api.get('/api/user')
        assert.equal(answer.status, 200)
        assert.equal(answer.headers['x-ratelimit-limit'], '3')
        seen.push(String(answer.headers['x-ratelimit-remaining']))
        assert.ok(Number(answer.headers['x-ratelimit-reset']) > 0)
      }
      assert.deepEqual(seen, ['2', '1', '0'])
      const over = await api.get('/api/user')
      assert.equal(over.status, 429)
      assert.equal(over.body.error, 'rate_limited')
      assert.equal(over.headers['x-ratelimit-remaining'], '0')
      assert.ok(Number(over.headers['retry-after']) > 0)
      // Another token has a budget of its own.
      const other = await grantTokens(site.app, alice, client)
      assert.equal((await apiClient(site.app, other.access).get('/api/user')).status, 200)
    })
  })
}
