// The load balancer's health check: OK while the database answers.

import type { FastifyPluginAsync } from 'fastify'
import { pingDatabase } from '../repositories/health.js'

const healthRoutes: FastifyPluginAsync = async (app) => {
  // Liveness: the process answers at all. No database, no session: the cheapest route there is.
  app.get('/healthy/alive', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').type('text/plain').send('alive')
  })

  app.get('/healthy/is-healthy', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    // Draining: the load balancer takes the node out (disable-on-404) while requests finish.
    if (app.draining) return reply.code(404).type('text/plain').send('draining')
    try {
      await pingDatabase(app.db)
    } catch (error) {
      request.log.error({ err: error }, 'health check: database unavailable')
      return reply.code(503).type('text/plain').send('database unavailable')
    }
    return reply.type('text/plain').send('OK')
  })
}

export default healthRoutes
