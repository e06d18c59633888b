// Pages for the site's operators (admins) only.
import type { FastifyPluginAsync } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { ServiceError } from '../services/errors.js'
import { siteHealth } from '../services/site-health.js'

const operatorRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', async (request) => {
    if (!signedInUser(request).isAdmin)
      throw new ServiceError(403, 'This page is for the operators of the site.')
  })

  app.get('/healthy/details', async (_request, reply) => {
    const health = await siteHealth(app.db, app.fileStore, app.jobs)
    return reply
      .header('cache-control', 'no-store')
      .code(health.database.ok ? 200 : 503)
      .send(health)
  })
}

export default operatorRoutes
