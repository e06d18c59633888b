// The pages around the API, in the site context (session, CSRF): the developer reference and
// app registration (/developers), the consent page (/api/authorize), and the apps a user has
// let in (/account/settings/connections), where access is revoked.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { requireUser, signedInUser } from '../../plugins/auth.js'
import { ValidationError } from '../../services/errors.js'
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AuthorizationRequest,
  type CheckedAuthorization,
  CODE_TTL_SECONDS,
  REFRESH_TOKEN_TTL_SECONDS,
  SCOPES,
} from '../../services/oauth.js'
import { queryField } from '../form-fields.js'
import { formBody, formValues, idParams } from '../schemas.js'

const requestFields = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const
const appForm = formBody('name', 'description', 'redirect_uris', 'confidential')
/** The consent form: the authorization request again, in hidden fields, and the answer. */
const consentForm = formBody(...requestFields, 'decision')
const byId = { schema: { params: idParams }, preHandler: requireUser }

function authorizationRequest(
  field: (name: (typeof requestFields)[number]) => string,
): AuthorizationRequest {
  return {
    responseType: field('response_type'),
    clientId: field('client_id'),
    redirectUri: field('redirect_uri'),
    scope: field('scope'),
    state: field('state'),
    codeChallenge: field('code_challenge'),
    codeChallengeMethod: field('code_challenge_method'),
  }
}

/** The app's redirect URI with the answer added to its query (RFC 6749, 4.1.2). */
function redirectWith(uri: string, params: Record<string, string>): string {
  const url = new URL(uri)
  for (const [name, value] of Object.entries(params)) {
    if (value !== '') url.searchParams.set(name, value)
  }
  return url.toString()
}

/**
 * Lets the consent form's answer redirect to the app: browsers apply form-action to the
 * redirect that follows a form post, and the site's policy allows only itself.
 */
function allowRedirectTo(reply: FastifyReply, redirectUri: string): void {
  const url = new URL(redirectUri)
  const source = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol
  const policy = reply.getHeader('content-security-policy')
  if (typeof policy === 'string') {
    reply.header(
      'content-security-policy',
      policy.replace("form-action 'self'", `form-action 'self' ${source}`),
    )
  }
}

const apiPages: FastifyPluginAsyncTypebox = async (app) => {
  // (baseUrl, which the reference shows, is on every page already.)
  const reference = {
    scopes: SCOPES,
    codeSeconds: CODE_TTL_SECONDS,
    accessSeconds: ACCESS_TOKEN_TTL_SECONDS,
    refreshDays: REFRESH_TOKEN_TTL_SECONDS / 86400,
    rateLimit: app.config.rateLimits.api,
  }

  app.get('/developers', async (_request, reply) => reply.page('developers', reference))

  async function showApps(reply: FastifyReply, extra: object = {}, status = 200) {
    const apps = await app.oauth.appsOf(signedInUser(reply.request))
    return reply.page('developer-apps', { apps, values: {}, errors: {}, ...extra }, status)
  }

  app.get('/developers/apps', { preHandler: requireUser }, (_request, reply) => showApps(reply))

  const registering = { schema: { body: appForm }, preHandler: requireUser }
  app.post('/developers/apps', registering, async (request, reply) => {
    const form = formValues(appForm, request.body)
    try {
      const created = await app.oauth.registerApp(signedInUser(request), {
        name: form.name,
        description: form.description,
        redirectUris: form.redirect_uris,
        confidential: form.confidential === 'yes',
      })
      // The secret is shown on this answer only: never cached, never stored in the clear.
      reply.header('cache-control', 'no-store')
      return showApps(reply, { created }, 201)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showApps(reply, { values: form, errors: error.fields }, error.status)
    }
  })

  app.post('/developers/apps/:id/delete', byId, async (request, reply) => {
    await app.oauth.deleteApp(signedInUser(request), request.params.id)
    request.flash('success', 'The app is deleted, and every token it held is revoked.')
    return reply.redirect('/developers/apps', 303)
  })

  async function consentPage(reply: FastifyReply, checked: CheckedAuthorization) {
    const developer = await app.accounts.findUser(checked.app.userId)
    allowRedirectTo(reply, checked.redirectUri)
    return reply.page('authorize', {
      app: checked.app,
      developer,
      redirectHost: new URL(checked.redirectUri).host || checked.redirectUri,
      scopes: checked.scopes.map((name) => ({ name, text: SCOPES[name] })),
      fields: {
        response_type: 'code',
        client_id: checked.app.clientId,
        redirect_uri: checked.redirectUri,
        scope: checked.scopes.join(' '),
        state: checked.state,
        code_challenge: checked.codeChallenge,
        code_challenge_method: 'S256',
      },
    })
  }

  app.get('/api/authorize', { preHandler: requireUser }, async (request, reply) => {
    const result = await app.oauth.checkAuthorization(
      authorizationRequest((name) => queryField(request, name)),
    )
    if (!result.ok) {
      return reply.redirect(
        redirectWith(result.redirectUri, {
          error: result.error.error,
          error_description: result.error.message,
          state: result.state,
        }),
        302,
      )
    }
    return consentPage(reply, result.checked)
  })

  // The form is checked again from scratch: hidden fields are only what the browser sent.
  const consenting = { schema: { body: consentForm }, preHandler: requireUser }
  app.post('/api/authorize', consenting, async (request, reply) => {
    const form = formValues(consentForm, request.body)
    const result = await app.oauth.checkAuthorization(authorizationRequest((name) => form[name]))
    if (!result.ok) {
      return reply.redirect(
        redirectWith(result.redirectUri, {
          error: result.error.error,
          error_description: result.error.message,
          state: result.state,
        }),
        303,
      )
    }
    const { checked } = result
    if (form.decision !== 'allow') {
      return reply.redirect(
        redirectWith(checked.redirectUri, { error: 'access_denied', state: checked.state }),
        303,
      )
    }
    const code = await app.oauth.issueCode(signedInUser(request), checked)
    return reply.redirect(redirectWith(checked.redirectUri, { code, state: checked.state }), 303)
  })

  app.get('/account/settings/connections', { preHandler: requireUser }, async (request, reply) => {
    const grants = await app.oauth.grantsOf(signedInUser(request))
    const byApp = new Map<number, { appId: number; appName: string; grants: typeof grants }>()
    for (const grant of grants) {
      const entry = byApp.get(grant.appId) ?? {
        appId: grant.appId,
        appName: grant.appName,
        grants: [],
      }
      entry.grants.push(grant)
      byApp.set(grant.appId, entry)
    }
    return reply.page('connections', { apps: [...byApp.values()] })
  })

  app.post('/account/settings/connections/:id/disconnect', byId, async (request, reply) => {
    await app.oauth.revokeApp(signedInUser(request), request.params.id)
    request.flash('success', 'The app can no longer act for you.')
    return reply.redirect('/account/settings/connections', 303)
  })

  app.post('/account/settings/connections/token/:id/revoke', byId, async (request, reply) => {
    await app.oauth.revokeGrant(signedInUser(request), request.params.id)
    request.flash('success', 'That access is revoked.')
    return reply.redirect('/account/settings/connections', 303)
  })
}

export default apiPages
