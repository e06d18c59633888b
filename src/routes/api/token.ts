// POST /api/token: the app exchanges an authorization code (with its PKCE verifier) or a
// refresh token for an access token. The client authenticates with HTTP Basic or with
// client_id and client_secret in the form; a public app sends client_id alone.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { limitedTo } from '../../plugins/rate-limit.js'
import { formBody, formValues } from '../schemas.js'

/** client_id and client_secret from an HTTP Basic header (RFC 6749, 2.3.1), if one was sent. */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(request.headers.authorization ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const formDecoded = (value: string) => {
    try {
      return decodeURIComponent(value.replaceAll('+', ' '))
    } catch {
      return value
    }
  }
  return { id: formDecoded(decoded.slice(0, colon)), secret: formDecoded(decoded.slice(colon + 1)) }
}

const tokenForm = formBody(
  'grant_type',
  'client_id',
  'client_secret',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
)

const tokenRoute: FastifyPluginAsyncTypebox = async (app) => {
  // Checks client credentials, so it is limited like signing in.
  app.post(
    '/token',
    { schema: { body: tokenForm }, config: limitedTo(app.config.rateLimits.signIn) },
    async (request, reply) => {
      const form = formValues(tokenForm, request.body)
      const basic = basicCredentials(request)
      const tokens = await app.oauth.token({
        grantType: form.grant_type,
        clientId: basic?.id ?? form.client_id,
        clientSecret: basic?.secret ?? form.client_secret,
        code: form.code,
        redirectUri: form.redirect_uri,
        codeVerifier: form.code_verifier,
        refreshToken: form.refresh_token,
      })
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(tokens)
    },
  )
}

export default tokenRoute
