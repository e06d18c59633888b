// Errors as JSON, in RFC 6749's shape ({error, error_description}), with the right status.
// Never a page, and never a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify'
import { retryAfter } from '../../plugins/errors.js'
import { ServiceError, ValidationError } from '../../services/errors.js'
import { OAuthError } from '../../services/oauth.js'
import { BearerChallenge } from './bearer.js'

const codeOfStatus: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
}

interface Described {
  status: number
  body: { error: string; error_description: string; fields?: Readonly<Record<string, string>> }
}

function describe(error: FastifyError): Described {
  if (error instanceof OAuthError) {
    return { status: error.status, body: { error: error.error, error_description: error.message } }
  }
  if (error instanceof ServiceError) {
    return {
      status: error.status,
      body: {
        error: codeOfStatus[error.status] ?? 'invalid_request',
        error_description: error.message,
        ...(error instanceof ValidationError ? { fields: error.fields } : {}),
      },
    }
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
  if (status >= 500) {
    return {
      status,
      body: { error: 'server_error', error_description: 'Something went wrong on our side.' },
    }
  }
  const described =
    error.code === 'RATE_LIMITED' || status === 413 || status === 415 || status === 400
      ? error.message
      : 'That request could not be handled.'
  return {
    status,
    body: { error: codeOfStatus[status] ?? 'invalid_request', error_description: described },
  }
}

export function jsonErrors(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    retryAfter(reply, error)
    const { status, body } = describe(error)
    if (status >= 500) request.log.error({ err: error }, 'api request failed')
    else request.log.info({ status, error: body.error }, body.error_description)
    if (error instanceof BearerChallenge) reply.header('www-authenticate', error.challenge)
    else if (error instanceof OAuthError && error.error === 'invalid_client')
      reply.header('www-authenticate', 'Basic realm="MLKSHK API"')
    return reply.code(status).header('cache-control', 'no-store').send(body)
  })
  app.setNotFoundHandler(async (_request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', error_description: 'There is no such API resource.' }),
  )
}
