// What users see when something goes wrong: a styled page with a readable message and the
// right status (or JSON for scripts), never a stack trace. 5xx errors are logged in full.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { type RequestFacts, reportError } from '../observability/error-reports.js'
import { ServiceError, TooManyRequestsError, ValidationError } from '../services/errors.js'
import { wantsJson } from './negotiation.js'
import { securityHeaders } from './security-headers.js'

interface Shown {
  status: number
  title: string
  message: string
  /** One message per form field, for scripts that show them next to the fields. */
  fields?: Readonly<Record<string, string>>
}

function describe(error: FastifyError): Shown {
  if (error instanceof ValidationError) {
    return { status: error.status, title: 'Sorry', message: error.message, fields: error.fields }
  }
  if (error instanceof ServiceError) {
    return { status: error.status, title: 'Sorry', message: error.message }
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
  switch (error.code) {
    case 'FST_CSRF_MISSING_SECRET':
    case 'FST_CSRF_INVALID_TOKEN':
    case 'CROSS_SITE_REQUEST':
      return {
        status: 403,
        title: 'This form has expired',
        message:
          'The form was too old or came from another site, so nothing was changed. Go back, reload the page and try again.',
      }
    case 'RATE_LIMITED':
      return { status, title: 'Slow down', message: error.message }
    case 'MALFORMED_FORM':
      return { status: 400, title: 'That form could not be read', message: error.message }
    case 'FST_ERR_VALIDATION':
      // A route schema refused the request's shape: said in words, never the validator's JSON.
      return { status: 400, title: 'That form could not be read', message: unreadable(error) }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, title: 'Too large', message: 'What you sent was too large.' }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        title: 'Unsupported',
        message: 'This address does not accept that kind of content.',
      }
  }
  if (status >= 500) {
    return {
      status,
      title: 'Something went wrong',
      message:
        'Something went wrong on our side. It has been logged; please try again in a moment.',
    }
  }
  return {
    status,
    title: 'Sorry',
    message: status === 404 ? 'There is nothing here.' : 'That request could not be handled.',
  }
}

/** Which fields a route schema refused, for people: "comment was not text". */
function unreadable(error: FastifyError): string {
  const fields = [
    ...new Set((error.validation ?? []).map((v) => v.instancePath.split('/')[1]).filter(Boolean)),
  ]
  if (error.validationContext !== 'body' || fields.length === 0)
    return 'The request could not be read: it was not in the form this page takes. Go back, reload the page and try again.'
  return `The form could not be read: ${fields.join(', ')} ${fields.length === 1 ? 'was' : 'were'} not text. Go back, reload the page and try again.`
}

/** The request as an error report may describe it: no headers, cookies, query or body. */
function requestFacts(request: FastifyRequest): RequestFacts {
  return {
    method: request.method,
    route: request.routeOptions.url ?? 'unmatched',
    requestId: String(request.id),
    ...(request.user ? { userId: request.user.id } : {}),
  }
}

/** A limit's refusal says, in Retry-After, how many seconds to wait. */
export function retryAfter(reply: FastifyReply, error: unknown): void {
  if (error instanceof TooManyRequestsError && error.retryAfterSeconds)
    reply.header('retry-after', error.retryAfterSeconds)
}

async function show(request: FastifyRequest, reply: FastifyReply, shown: Shown) {
  if (wantsJson(request) || typeof reply.page !== 'function') {
    return reply
      .code(shown.status)
      .send({ error: shown.message, ...(shown.fields ? { fields: shown.fields } : {}) })
  }
  try {
    return await reply.page('error', shown, shown.status)
  } catch (renderError) {
    request.log.error({ err: renderError }, 'error page failed to render')
    return reply.code(shown.status).type('text/plain; charset=utf-8').send(shown.message)
  }
}

/** A failure of ours is logged in full and reported; a refusal of the request, in one line. */
function logged(error: FastifyError, request: FastifyRequest, status: number): void {
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed')
    reportError(error, { request: requestFacts(request) })
  } else request.log.info({ status, code: error.code }, error.message)
}

/**
 * What the router answers itself, before any route or hook runs: an address whose escapes are
 * not UTF-8 (`/p/%FF`) or whose segment is longer than any name. Fastify's own answer is JSON
 * for everyone; this is the site's error page (or the JSON scripts get), with the site's
 * headers. Only the layout's visitor view is shown: no session was read.
 */
export function answerUnroutable(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const shown: Shown =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? {
          status: 414,
          title: 'Address too long',
          message: 'That address is longer than any on this site.',
        }
      : error.code === 'FST_ERR_BAD_URL'
        ? {
            status: 400,
            title: 'Address not readable',
            message: 'That address has a broken %-escape, so it names nothing on this site.',
          }
        : describe(error)
  logged(error, request, shown.status)
  const server = request.server
  reply.headers(securityHeaders(server.config.baseUrl.startsWith('https:'))).code(shown.status)
  // The API answers in its own (RFC 6749) shape, oEmbed in JSON, whatever the client accepts.
  if (request.url.startsWith('/api/'))
    return reply
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_request', error_description: shown.message })
  if (wantsJson(request) || request.url.startsWith('/services/'))
    return reply.send({ error: shown.message })
  const html = server.renderTemplate('pages/error.njk', {
    ...shown,
    currentUser: null,
    flashes: [],
    csrfToken: () => '',
    requestId: request.id,
    baseUrl: server.config.baseUrl,
    path: '',
  })
  return reply.type('text/html; charset=utf-8').send(html)
}

export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      retryAfter(reply, error)
      const shown = describe(error)
      logged(error, request, shown.status)
      return show(request, reply, shown)
    })
    app.setNotFoundHandler(async (request, reply) => {
      return show(request, reply, {
        status: 404,
        title: 'Not found',
        message: 'There is nothing here. The link may be wrong, or what it pointed to was removed.',
      })
    })
  },
  { name: 'errors', dependencies: ['templates'] },
)
