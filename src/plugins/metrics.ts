// Prometheus metrics for the web process: every answer's duration by route pattern and status
// class, and GET /metrics for scrapers the access rule lets in (403 for everyone else).
// Registered before the routes, so its hook sees all of them.
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Metrics } from '../observability/metrics.js'
import { metricsAccess } from '../observability/metrics-access.js'
import { registerSiteGauges } from '../observability/site-gauges.js'

export default fp(
  async (app) => {
    const metrics = new Metrics('web')
    app.decorate('metrics', metrics)
    // Read at scrape time: the job runtime is made later, by the services plugin.
    registerSiteGauges(metrics, { db: app.db, queueHealth: () => app.jobs.queueHealth() })

    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          // The pattern (/p/:key), so that a million posts make one series, not a million.
          route: request.routeOptions.url ?? 'unmatched',
          status_class: `${Math.floor(reply.statusCode / 100)}xx`,
        },
        reply.elapsedTime / 1000,
      )
    })

    const mayRead = metricsAccess(app.config.metrics)
    app.get('/metrics', async (request, reply) => {
      reply.header('cache-control', 'no-store')
      if (!mayRead({ peer: request.socket.remoteAddress, headers: request.headers }))
        return reply.code(403).type('text/plain').send('Metrics are not public.\n')
      // Started on the first scrape: a process nobody scrapes (a test's app) keeps no timers.
      metrics.collectProcessMetrics()
      return reply.type(metrics.contentType).send(await metrics.text())
    })
  },
  { name: 'metrics', dependencies: ['database'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}
