// OAuth 2 for third-party apps: the authorization-code flow with PKCE (S256 only, required of
// every app), refresh tokens rotated on use, and bearer tokens for the API. Secrets, codes and
// tokens are random (256 bits) and stored only as SHA-256 hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import {
  type ApiApp,
  appsOwnedBy,
  deleteApp,
  findAppByClientId,
  findAppById,
  insertApp,
} from '../repositories/api-apps.js'
import {
  deleteTokensOfCode,
  deleteUserAppGrants,
  deleteUserToken,
  findCode,
  findLiveAccessToken,
  findLiveRefreshToken,
  type GrantListing,
  grantsOfUser,
  insertAccessToken,
  insertCode,
  redeemCode,
  rotateTokens,
  touchAccessToken,
} from '../repositories/api-grants.js'
import { findUserById, type User } from '../repositories/users.js'
import { ServiceError, ValidationError } from './errors.js'
import { textProblem, WEB_ADDRESS_MAX } from './text-rules.js'
import { sha256Hex } from './tokens.js'

export const CODE_TTL_SECONDS = 60
export const ACCESS_TOKEN_TTL_SECONDS = 3600
export const REFRESH_TOKEN_TTL_SECONDS = 90 * 24 * 3600
const MAX_REDIRECT_URIS = 5
/** last_used_at is written at most this often per token, not on every request. */
const TOUCH_EVERY_MS = 60_000

export const SCOPES = {
  read: 'See your posts, shakes, likes, profile and the posts of those you follow',
  write: 'Post images, edit your posts, like, save and comment as you',
} as const
export type Scope = keyof typeof SCOPES

/** An error in the words of RFC 6749 (error code, description), with its HTTP status. */
export class OAuthError extends Error {
  override name = 'OAuthError'
  constructor(
    readonly error: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

export interface AuthorizationRequest {
  responseType: string
  clientId: string
  redirectUri: string
  scope: string
  state: string
  codeChallenge: string
  codeChallengeMethod: string
}

/** A request the consent page may show: the app and redirect URI are known to be genuine. */
export interface CheckedAuthorization {
  app: ApiApp
  redirectUri: string
  scopes: Scope[]
  codeChallenge: string
  state: string
}

export interface TokenRequest {
  grantType: string
  clientId: string
  clientSecret: string
  code: string
  redirectUri: string
  codeVerifier: string
  refreshToken: string
}

export interface IssuedTokens {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token: string
  scope: string
}

export interface ApiCaller {
  user: User
  grantId: number
  appId: number
  scopes: Scope[]
}

export interface NewApp {
  app: ApiApp
  /** Shown once, to the developer who registered it; only its hash is kept. */
  clientSecret: string | null
}

/** base64url(SHA-256(verifier)): RFC 7636's S256 transformation. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

const randomSecret = () => randomBytes(32).toString('base64url')

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A redirect URI an app may register: https, http on a loopback address, or an app's own scheme. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return `${uri.slice(0, 100)} is not a full address.`
  }
  if (uri.length > WEB_ADDRESS_MAX)
    return `Redirect addresses must be at most ${WEB_ADDRESS_MAX} characters.`
  if (url.hash || uri.includes('#')) return 'Redirect addresses cannot have a #fragment.'
  if (url.username || url.password) return 'Redirect addresses cannot carry a user name.'
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:') {
    return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
      ? undefined
      : 'Use https (plain http is allowed only for localhost, 127.0.0.1 and [::1]).'
  }
  // A native app's private scheme, named after a domain it owns (RFC 8252, 7.1).
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined
  return 'Use https, http on localhost, or a scheme of your own such as com.example.app:/callback.'
}

function parseScopes(raw: string): Scope[] | undefined {
  const words = raw.split(' ').filter((w) => w !== '')
  if (words.length === 0) return ['read']
  if (!words.every((w): w is Scope => Object.hasOwn(SCOPES, w))) return undefined
  return (Object.keys(SCOPES) as Scope[]).filter((s) => words.includes(s))
}

export class OAuthService {
  constructor(private readonly db: Database) {}

  // --- apps -------------------------------------------------------------------------------

  async registerApp(
    owner: User,
    input: { name: string; description: string; redirectUris: string; confidential: boolean },
  ): Promise<NewApp> {
    const name = input.name.trim()
    const description = input.description.trim()
    const uris = [
      ...new Set(
        input.redirectUris
          .split(/\r?\n/)
          .map((u) => u.trim())
          .filter((u) => u !== ''),
      ),
    ]
    const problems: Record<string, string> = {}
    const nameProblem =
      name === '' ? 'Please give the app a name.' : textProblem('Names', name, 100)
    if (nameProblem) problems.name = nameProblem
    const descriptionProblem = textProblem('Descriptions', description, 500)
    if (descriptionProblem) problems.description = descriptionProblem
    const uriProblem =
      uris.length === 0
        ? 'Give at least one redirect address.'
        : uris.length > MAX_REDIRECT_URIS
          ? `At most ${MAX_REDIRECT_URIS} redirect addresses.`
          : uris.map(redirectUriProblem).find((p) => p !== undefined)
    if (uriProblem) problems.redirect_uris = uriProblem
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)

    const clientSecret = input.confidential ? randomSecret() : null
    const clientId = randomBytes(16).toString('hex')
    const id = await insertApp(this.db, {
      userId: owner.id,
      clientId,
      secretHash: clientSecret === null ? null : sha256Hex(clientSecret),
      name,
      description,
      redirectUris: uris,
    })
    return { app: (await findAppById(this.db, id)) as ApiApp, clientSecret }
  }

  appsOf(owner: User): Promise<ApiApp[]> {
    return appsOwnedBy(this.db, owner.id)
  }

  /** Deletes an app its owner registered; every token it holds stops working at once. */
  async deleteApp(owner: User, appId: string): Promise<void> {
    const id = /^\d{1,10}$/.test(appId) ? Number(appId) : 0
    const deleted = await inTransaction(this.db, (trx) => deleteApp(trx, id, owner.id))
    if (!deleted) throw new ServiceError(404, 'There is no such app of yours.')
  }

  // --- the consent page ---------------------------------------------------------------------

  /**
   * Checks an authorization request. Without a known app and one of its exact redirect URIs
   * the error is shown to the user (a ServiceError): nothing may be sent to an address the
   * app did not register. Any other problem is an OAuthError for the app, sent to its
   * redirect URI.
   */
  async checkAuthorization(
    request: AuthorizationRequest,
  ): Promise<
    | { ok: true; checked: CheckedAuthorization }
    | { ok: false; redirectUri: string; state: string; error: OAuthError }
  > {
    const app =
      request.clientId.length <= 64 ? await findAppByClientId(this.db, request.clientId) : undefined
    if (!app) throw new ServiceError(400, 'This link names an app that is not registered here.')
    if (!app.redirectUris.includes(request.redirectUri)) {
      throw new ServiceError(
        400,
        `This link would send you to an address ${app.name} did not register, so it was stopped.`,
      )
    }
    const fail = (error: string, message: string) => ({
      ok: false as const,
      redirectUri: request.redirectUri,
      state: request.state,
      error: new OAuthError(error, message),
    })
    // RFC 6749, 4.1.2.1: a missing parameter is a malformed request; a type we do not offer
    // is unsupported.
    if (request.responseType === '') return fail('invalid_request', 'Send response_type=code.')
    if (request.responseType !== 'code')
      return fail('unsupported_response_type', 'Only response_type=code is supported.')
    if (request.codeChallenge === '')
      return fail('invalid_request', 'PKCE is required: send code_challenge.')
    if (request.codeChallengeMethod !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256.')
    if (!/^[A-Za-z0-9_-]{43}$/.test(request.codeChallenge))
      return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest.')
    const scopes = parseScopes(request.scope)
    if (!scopes) return fail('invalid_scope', `Known scopes: ${Object.keys(SCOPES).join(', ')}.`)
    return {
      ok: true,
      checked: {
        app,
        redirectUri: request.redirectUri,
        scopes,
        codeChallenge: request.codeChallenge,
        state: request.state,
      },
    }
  }

  /** The user agreed: a single-use code bound to the app, redirect URI and challenge. */
  async issueCode(user: User, checked: CheckedAuthorization): Promise<string> {
    const code = randomSecret()
    await insertCode(this.db, {
      codeHash: sha256Hex(code),
      appId: checked.app.id,
      userId: user.id,
      redirectUri: checked.redirectUri,
      codeChallenge: checked.codeChallenge,
      scope: checked.scopes.join(' '),
      ttlSeconds: CODE_TTL_SECONDS,
    })
    return code
  }

  // --- the token endpoint -------------------------------------------------------------------

  async token(request: TokenRequest): Promise<IssuedTokens> {
    const app = await this.authenticateClient(request.clientId, request.clientSecret)
    if (request.grantType === 'authorization_code') return this.exchangeCode(app, request)
    if (request.grantType === 'refresh_token') return this.refresh(app, request.refreshToken)
    throw new OAuthError(
      'unsupported_grant_type',
      'Use grant_type=authorization_code or refresh_token.',
    )
  }

  private async authenticateClient(clientId: string, clientSecret: string): Promise<ApiApp> {
    const app =
      clientId !== '' && clientId.length <= 64
        ? await findAppByClientId(this.db, clientId)
        : undefined
    if (!app) throw new OAuthError('invalid_client', 'Unknown client.', 401)
    if (app.secretHash !== null) {
      if (clientSecret === '' || !sameHash(sha256Hex(clientSecret), app.secretHash))
        throw new OAuthError('invalid_client', 'Client authentication failed.', 401)
    }
    return app
  }

  private async exchangeCode(app: ApiApp, request: TokenRequest): Promise<IssuedTokens> {
    if (request.code === '' || request.redirectUri === '')
      throw new OAuthError('invalid_request', 'Send code and redirect_uri.')
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(request.codeVerifier))
      throw new OAuthError('invalid_request', 'PKCE is required: send a valid code_verifier.')
    const code = await findCode(this.db, sha256Hex(request.code))
    if (!code) throw invalidGrant()
    // Spent before anything else is checked: a wrong guess at the verifier burns the code.
    if (!(await redeemCode(this.db, code.id))) {
      // A code shown twice was stolen or replayed: what it gave out is revoked (RFC 6749 4.1.2).
      if (code.used) await deleteTokensOfCode(this.db, code.id)
      throw invalidGrant()
    }
    if (code.appId !== app.id || code.redirectUri !== request.redirectUri) throw invalidGrant()
    if (!sameText(s256(request.codeVerifier), code.codeChallenge)) throw invalidGrant()
    const user = await findUserById(this.db, code.userId)
    if (!user) throw invalidGrant()
    return this.newTokens(app.id, user.id, code.id, code.scope)
  }

  private async refresh(app: ApiApp, refreshToken: string): Promise<IssuedTokens> {
    if (refreshToken === '' || refreshToken.length > 100)
      throw new OAuthError('invalid_request', 'Send refresh_token.')
    const oldHash = sha256Hex(refreshToken)
    const grant = await findLiveRefreshToken(this.db, oldHash, app.id)
    if (!grant) throw invalidGrant()
    const access = randomSecret()
    const refresh = randomSecret()
    const rotated = await rotateTokens(this.db, grant.id, oldHash, {
      tokenHash: sha256Hex(access),
      refreshHash: sha256Hex(refresh),
      ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: REFRESH_TOKEN_TTL_SECONDS,
    })
    if (!rotated) throw invalidGrant()
    return tokenResponse(access, refresh, grant.scope)
  }

  private async newTokens(
    appId: number,
    userId: number,
    codeId: number,
    scope: string,
  ): Promise<IssuedTokens> {
    const access = randomSecret()
    const refresh = randomSecret()
    await insertAccessToken(this.db, {
      tokenHash: sha256Hex(access),
      refreshHash: sha256Hex(refresh),
      appId,
      userId,
      codeId,
      scope,
      ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: REFRESH_TOKEN_TTL_SECONDS,
    })
    return tokenResponse(access, refresh, scope)
  }

  // --- bearer tokens ------------------------------------------------------------------------

  /** The user and grant behind a bearer token; undefined for anything not live. */
  async authenticate(token: string): Promise<ApiCaller | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
    const grant = await findLiveAccessToken(this.db, sha256Hex(token))
    if (!grant) return undefined
    const user = await findUserById(this.db, grant.userId)
    if (!user) return undefined
    if (!grant.lastUsedAt || Date.now() - grant.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await touchAccessToken(this.db, grant.id)
    }
    return {
      user,
      grantId: grant.id,
      appId: grant.appId,
      scopes: grant.scope.split(' ').filter((s): s is Scope => Object.hasOwn(SCOPES, s)),
    }
  }

  // --- the user's settings ------------------------------------------------------------------

  grantsOf(user: User): Promise<GrantListing[]> {
    return grantsOfUser(this.db, user.id)
  }

  async revokeGrant(user: User, grantId: string): Promise<void> {
    const id = /^\d{1,10}$/.test(grantId) ? Number(grantId) : 0
    if (!(await deleteUserToken(this.db, id, user.id)))
      throw new ServiceError(404, 'There is no such access to revoke.')
  }

  /** Takes back everything the user gave one app. */
  async revokeApp(user: User, appId: string): Promise<void> {
    const id = /^\d{1,10}$/.test(appId) ? Number(appId) : 0
    await inTransaction(this.db, (trx) => deleteUserAppGrants(trx, user.id, id))
  }
}

function invalidGrant(): OAuthError {
  return new OAuthError(
    'invalid_grant',
    'The code or refresh token is invalid, expired, already used, or was issued to another client or redirect URI.',
  )
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function tokenResponse(access: string, refresh: string, scope: string): IssuedTokens {
  return {
    access_token: access,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refresh,
    scope,
  }
}
