// Security headers on every response. No inline scripts or styles anywhere, so the CSP can
// stay strict.
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // Only a site served over HTTPS may ask browsers to insist on it.
      strictTransportSecurity: app.config.baseUrl.startsWith('https:')
        ? { maxAge: 63072000, includeSubDomains: true }
        : false,
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      // The same as frame-ancestors 'none', for browsers that only know the older header.
      frameguard: { action: 'deny' },
    })
    app.addHook('onSend', async (request, reply) => {
      reply.header(
        'permissions-policy',
        'camera=(), microphone=(), geolocation=(), interest-cohort=()',
      )
      // An answer to someone with a session (signed in, or holding a form token) is theirs
      // alone: no shared cache may keep it and hand it to the next person. Answers that
      // chose their own caching (raw files, feeds) keep it.
      if (request.session?.userId !== undefined || request.session?.get('_csrf') !== undefined) {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store')
      }
    })
  },
  { name: 'security-headers' },
)
