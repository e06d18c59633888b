// Security headers on every response. No inline scripts or styles anywhere, so the CSP can
// stay strict.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import { playerOrigins } from '../services/video-urls.js'

function helmetOptions(https: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // blob: for the posting form's preview of the picked file (an object URL made by the
        // page's own script; nothing from elsewhere can name one).
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        // Only the players of video-link posts, built by us from the video's id, and only
        // once the reader presses play (static/js/video-links.js).
        frameSrc: playerOrigins,
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Only a site served over HTTPS may ask browsers to insist on it.
    strictTransportSecurity: https ? { maxAge: 63072000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The same as frame-ancestors 'none', for browsers that only know the older header.
    frameguard: { action: 'deny' },
  }
}

/**
 * The headers helmet sets for these options. They depend on nothing in the request, so they
 * are worked out once: helmet's own middleware rebuilds its whole policy on every call, which
 * cost more than the rest of a cheap request's hooks together.
 */
export function securityHeaders(https: boolean): Readonly<Record<string, string>> {
  let headers = workedOut.get(https)
  if (!headers) {
    headers = helmetHeaders(https)
    workedOut.set(https, headers)
  }
  return headers
}

/** By whether the site is served over HTTPS: the router's own refusals (errors.ts) ask too. */
const workedOut = new Map<boolean, Readonly<Record<string, string>>>()

function helmetHeaders(https: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  helmet(helmetOptions(https))(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error
    },
  )
  headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=(), interest-cohort=()'
  return Object.freeze(headers)
}

export default fp(
  async (app) => {
    const headers = securityHeaders(app.config.baseUrl.startsWith('https:'))
    // Set first, so that a route may still replace one (a stored file's own CSP) and an error
    // or a 404 answer carries them all the same.
    app.addHook(
      'onRequest',
      (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
        reply.headers(headers)
        done()
      },
    )
    app.addHook('onSend', (request, reply, payload, done) => {
      // An answer to someone with a session (signed in, or holding a form token) is theirs
      // alone: no shared cache may keep it and hand it to the next person. Answers that
      // chose their own caching (raw files, feeds) keep it.
      // No session at all outside the site context, and none yet on a page-cache hit.
      const session = request.session as typeof request.session | null | undefined
      if (
        session &&
        (session.userId !== undefined || session.get('_csrf') !== undefined) &&
        !reply.hasHeader('cache-control')
      )
        reply.header('cache-control', 'private, no-store')
      done(null, payload)
    })
  },
  { name: 'security-headers' },
)
