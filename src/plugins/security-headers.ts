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
    })
    app.addHook('onSend', async (_request, reply) => {
      reply.header(
        'permissions-policy',
        'camera=(), microphone=(), geolocation=(), interest-cohort=()',
      )
    })
  },
  { name: 'security-headers' },
)
