// Server-side sessions (a random id in the cookie, the row in the database, so any node can
// read it and sign-out or a password change can revoke it), CSRF tokens kept in the session,
// and one-shot flash messages.
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import flash from '@fastify/flash'
import session from '@fastify/session'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { DatabaseSessionStore } from './session-store.js'

export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export class CrossSiteRequestError extends Error {
  readonly statusCode = 403
  readonly code = 'CROSS_SITE_REQUEST'
  constructor() {
    super('Cross-site request refused')
  }
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined
  if (body && typeof body._csrf === 'string') return body._csrf
  const header = request.headers['x-csrf-token']
  if (typeof header === 'string') return header
  // Multipart forms are read after the check, so their token travels in the query string.
  const query = (request.query as Record<string, unknown> | undefined)?._csrf
  return typeof query === 'string' ? query : undefined
}

export default fp(
  async (app) => {
    const https = app.config.baseUrl.startsWith('https:')
    await app.register(cookie)
    const store = new DatabaseSessionStore(app.db, SESSION_MAX_AGE_SECONDS, app.sessionCache)
    app.decorate('sessionStore', store)
    await app.register(session, {
      secret: app.config.sessionSecret,
      // __Host- binds the cookie to this exact host over HTTPS; plain http cannot use it.
      cookieName: https ? '__Host-session' : 'session',
      cookie: {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: https ? true : 'auto',
        maxAge: SESSION_MAX_AGE_SECONDS * 1000,
      },
      store,
      // Anonymous visitors get a row only once they need one (a form's CSRF secret).
      saveUninitialized: false,
      // Renewal is done at most daily by the auth plugin, not on every request.
      rolling: false,
    })
    await app.register(csrf, { sessionPlugin: '@fastify/session', getToken: csrfTokenOf })
    await app.register(flash)

    // Every state-changing request needs the form's token; requests that the browser marks
    // as coming from another site are refused outright.
    app.addHook('preHandler', (request, reply, done) => {
      if (!unsafeMethods.has(request.method)) return done()
      if (request.headers['sec-fetch-site'] === 'cross-site')
        return done(new CrossSiteRequestError())
      app.csrfProtection(request, reply, done)
    })
  },
  { name: 'session', dependencies: ['database', 'session-cache'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    sessionStore: DatabaseSessionStore
  }
  interface Session {
    userId?: number
    /** Epoch milliseconds of the last expiry renewal. */
    renewedAt?: number
    /** The secret behind this session's form tokens (@fastify/csrf-protection). */
    _csrf?: string
    /** Pending flash messages, by kind (@fastify/flash). */
    flash?: Record<string, string[]>
  }
}
