import type { FastifyPluginAsync } from 'fastify'

const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) => reply.page('home'))
}

export default homeRoutes
