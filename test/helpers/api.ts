// Third-party apps in tests: register one through /developers/apps, walk a user through the
// consent page, exchange codes at /api/token, and call the API with a bearer token only.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { type Browser, location } from './browser.js'
import { multipart, type Part } from './multipart.js'

export const REDIRECT_URI = 'https://app.example/callback'

export interface TestClient {
  clientId: string
  clientSecret: string | undefined
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** Registers an app as the browser's user; the secret is read from the one page that shows it. */
export async function registerApp(
  developer: Browser,
  options: { name?: string; redirectUris?: string[]; confidential?: boolean } = {},
): Promise<TestClient> {
  await developer.get('/developers/apps')
  const response = await developer.post('/developers/apps', {
    name: options.name ?? 'Test app',
    description: 'An app for tests',
    redirect_uris: (options.redirectUris ?? [REDIRECT_URI]).join('\n'),
    confidential: options.confidential === false ? 'no' : 'yes',
  })
  assert.equal(response.statusCode, 201, response.body.slice(0, 500))
  const clientId = /Client id<\/dt><dd><code>([0-9a-f]{32})<\/code>/.exec(response.body)?.[1]
  const clientSecret = /Client secret<\/dt><dd><code>([A-Za-z0-9_-]{43})<\/code>/.exec(
    response.body,
  )?.[1]
  assert.ok(clientId, 'the client id is shown')
  return { clientId, clientSecret }
}

export function authorizeUrl(params: Record<string, string>): string {
  return `/api/authorize?${new URLSearchParams(params).toString()}`
}

/** The usual authorization request of a client, with any parameter overridden. */
export function authorizeParams(
  client: TestClient,
  challenge: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'read write',
    state: 'xyz-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }
}

/** Opens the consent page and answers it; returns the redirect back to the app. */
export async function consent(
  user: Browser,
  params: Record<string, string>,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const page = await user.get(authorizeUrl(params))
  assert.equal(page.statusCode, 200, page.body.slice(0, 500))
  const answer = await user.post('/api/authorize', { ...params, decision })
  assert.equal(answer.statusCode, 303, answer.body.slice(0, 500))
  return new URL(location(answer) as string)
}

export async function tokenRequest(
  app: FastifyInstance,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{
  status: number
  body: Record<string, unknown>
  headers: LightMyRequestResponse['headers']
}> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  })
  return { status: response.statusCode, body: response.json(), headers: response.headers }
}

export interface Tokens {
  access: string
  refresh: string
}

/** The whole flow: consent, then the code exchanged for tokens. */
export async function grantTokens(
  app: FastifyInstance,
  user: Browser,
  client: TestClient,
  scope = 'read write',
): Promise<Tokens> {
  const { verifier, challenge } = pkcePair()
  const back = await consent(user, authorizeParams(client, challenge, { scope }))
  const code = back.searchParams.get('code')
  assert.ok(code, `a code came back: ${back}`)
  const answer = await tokenRequest(app, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    code_verifier: verifier,
  })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return {
    access: answer.body.access_token as string,
    refresh: answer.body.refresh_token as string,
  }
}

export interface ApiAnswer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON of any shape, checked by the tests
  body: any
  headers: LightMyRequestResponse['headers']
}

function answerOf(response: LightMyRequestResponse): ApiAnswer {
  return {
    status: response.statusCode,
    body: response.body ? JSON.parse(response.body) : undefined,
    headers: response.headers,
  }
}

/** An API client: the bearer token and nothing else (no cookies). */
export function apiClient(app: FastifyInstance, token: string | undefined) {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  return {
    async get(url: string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
      return answerOf(await app.inject({ method: 'GET', url, headers: { ...auth, ...headers } }))
    },
    async post(
      url: string,
      form: Record<string, string> = {},
      headers: Record<string, string> = {},
    ): Promise<ApiAnswer> {
      return answerOf(
        await app.inject({
          method: 'POST',
          url,
          headers: {
            ...auth,
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          payload: new URLSearchParams(form).toString(),
        }),
      )
    },
    async upload(parts: Part[]): Promise<ApiAnswer> {
      const body = multipart(parts)
      return answerOf(
        await app.inject({
          method: 'POST',
          url: '/api/upload',
          headers: { ...auth, 'content-type': body.contentType },
          payload: body.payload,
        }),
      )
    },
  }
}
