// MLTSHP's older addresses, sent on to ours for good (301), so that links and bookmarks made
// there keep working: its deprecated friends stream (now the home page), its shake directory,
// /popular/<n>, whose number MLTSHP accepted and ignored, and a profile's pages under /~NAME.
import type { FastifyInstance } from 'fastify'
import { keyParams } from './schemas.js'

export default async function legacyAddressRoutes(app: FastifyInstance) {
  app.get('/friends', async (_request, reply) => reply.redirect('/', 301))
  for (const direction of ['before', 'after'] as const) {
    app.get<{ Params: { key: string } }>(
      `/friends/${direction}/:key`,
      { schema: { params: keyParams } },
      async (request, reply) =>
        reply.redirect(`/${direction}/${encodeURIComponent(request.params.key)}`, 301),
    )
  }
  app.get('/tools/find-shakes', async (_request, reply) => reply.redirect('/shakes', 301))
  app.get('/popular/:n', async (_request, reply) => reply.redirect('/popular', 301))
  // MLTSHP answered every profile address under /~NAME too (/~NAME/likes, /~NAME/followers,
  // /~NAME/rss): ours live under /user/NAME.
  app.get<{ Params: { name: string; '*': string } }>('/~:name/*', async (request, reply) => {
    const rest = request.params['*'].split('/').map(encodeURIComponent).join('/')
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''
    return reply.redirect(`/user/${encodeURIComponent(request.params.name)}/${rest}${query}`, 301)
  })
}
