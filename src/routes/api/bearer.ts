// Who is calling the API: the bearer token in the Authorization header, and nothing else.
// The API lives outside the site context, so a session cookie is never even read: a browser
// that is signed in to the site cannot be made to call the API (no CSRF is possible).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type ApiCaller, OAuthError, type Scope } from '../../services/oauth.js'

const REALM = 'MLKSHK API'

/** A refusal that tells the client how to authenticate (RFC 6750, section 3). */
export class BearerChallenge extends OAuthError {
  readonly challenge: string
  constructor(error: string | undefined, message: string, status = 401, scope?: Scope) {
    super(error ?? 'unauthorized', message, status)
    const params = [`realm="${REALM}"`]
    if (error) params.push(`error="${error}"`)
    if (scope) params.push(`scope="${scope}"`)
    this.challenge = `Bearer ${params.join(', ')}`
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: ApiCaller | null
  }
  interface FastifyContextConfig {
    /** The scope a route needs; every route of the API names one. */
    scope?: Scope
  }
}

/** Every route in this context needs a live bearer token carrying the route's scope. */
export function requireBearer(app: FastifyInstance): void {
  app.decorateRequest('caller', null)
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    if (header === undefined || header === '')
      throw new BearerChallenge(undefined, 'Send an access token: Authorization: Bearer TOKEN.')
    const match = /^Bearer +([^\s]+) *$/i.exec(header)
    const caller = match ? await app.oauth.authenticate(match[1] as string) : undefined
    if (!caller)
      throw new BearerChallenge('invalid_token', 'The access token is invalid, expired or revoked.')
    const scope = request.routeOptions.config.scope
    if (!scope || !caller.scopes.includes(scope))
      throw new BearerChallenge(
        'insufficient_scope',
        `This needs the ${scope ?? 'write'} scope.`,
        403,
        scope ?? 'write',
      )
    request.caller = caller
  })
}

export function callerOf(request: FastifyRequest): ApiCaller {
  if (!request.caller) throw new Error('requireBearer must guard this route')
  return request.caller
}
