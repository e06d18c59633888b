// The JSON API under /api, for third-party apps. It sits outside the site context: no session,
// no cookies, no CSRF; a bearer token is the only credential (see bearer.ts). The pages people
// use around it (app registration, consent, revocation) live in the site context: pages.ts.
import cors from '@fastify/cors'
import type { FastifyPluginAsync } from 'fastify'
import formsPlugin from '../../plugins/forms.js'
import multipartPlugin from '../../plugins/multipart.js'
import { requireBearer } from './bearer.js'
import { jsonErrors } from './errors.js'
import peopleRoutes from './people.js'
import sharedfileRoutes from './sharedfiles.js'
import streamRoutes from './streams.js'
import tokenRoute from './token.js'

const apiRoutes: FastifyPluginAsync = async (app) => {
  await app.register(
    async (api) => {
      // Browser apps on other origins may call the API: it reads no cookie, so an answer to
      // any origin gives away nothing a stolen page could use; the token is the credential.
      await api.register(cors, {
        origin: '*',
        credentials: false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['Authorization', 'Content-Type'],
        exposedHeaders: [
          'X-RateLimit-Limit',
          'X-RateLimit-Remaining',
          'X-RateLimit-Reset',
          'Retry-After',
        ],
        maxAge: 600,
      })
      await api.register(formsPlugin)
      await api.register(multipartPlugin)
      jsonErrors(api)
      await api.register(tokenRoute)
      await api.register(async (resources) => {
        requireBearer(resources)
        // Counted per grant (a refreshed token keeps its count), after the token is checked.
        const limit = app.config.rateLimits.api
        resources.addHook(
          'onRequest',
          resources.rateLimit({
            max: limit.max,
            timeWindow: limit.windowSeconds * 1000,
            keyGenerator: (request) => `api-grant:${request.caller?.grantId}`,
          }),
        )
        // Writes also draw on their user's write budget, whichever token makes them.
        const apiWrite = app.writeLimits.apiWrite
        resources.addHook('preHandler', async (request, reply) => {
          if (request.method !== 'POST') return
          for (const count of apiWrite) await count.call(resources, request, reply)
        })
        await resources.register(peopleRoutes)
        await resources.register(streamRoutes)
        await resources.register(sharedfileRoutes)
      })
    },
    { prefix: '/api' },
  )
}

export default apiRoutes
