// Pages for the site's operators (admins) only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { replicaSetOf } from '../db/database.js'
import { requireRole } from '../plugins/auth.js'
import { deadOutbox, settleDead } from '../repositories/outbox.js'
import { ServiceError } from '../services/errors.js'
import { siteHealth } from '../services/site-health.js'

function settleAction(value: string): 'retry' | 'discard' {
  if (value === 'retry' || value === 'discard') return value
  throw new ServiceError(404, 'Unknown action.')
}

/** A failed job of a queue, and what to do with it (retry or discard). */
const failedJobParams = Type.Object({
  queue: Type.String(),
  id: Type.String(),
  action: Type.String(),
})
/** A dead outbox row, and what to do with it. */
const deadRowParams = Type.Object({ id: Type.String(), action: Type.String() })

const operatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', requireRole('admin'))
  const currentHealth = () =>
    siteHealth(app.db, app.fileStore, app.jobs, app.queueWatch, replicaSetOf(app.db))

  app.get('/healthy/details', async (_request, reply) => {
    const health = await currentHealth()
    return reply
      .header('cache-control', 'no-store')
      .code(health.database.ok ? 200 : 503)
      .send(health)
  })

  app.get('/admin/queues', async (request, reply) => {
    const health = await currentHealth()
    // The page is how the operator sees the rest: it still shows without the failed jobs.
    const failed = health.jobs.ok
      ? await app.jobs.failedJobs().catch((error: unknown) => {
          request.log.warn({ err: error }, 'failed jobs not listed')
          return []
        })
      : []
    return reply.header('cache-control', 'no-store').page('admin-queues', {
      health,
      failed,
      dead: await deadOutbox(app.db),
    })
  })

  const failedJob = { schema: { params: failedJobParams } }
  app.post('/admin/queues/:queue/:id/:action', failedJob, async (request, reply) => {
    const action = settleAction(request.params.action)
    if (!(await app.jobs.settleFailed(request.params.queue, request.params.id, action))) {
      throw new ServiceError(404, 'There is no such failed job.')
    }
    return reply.redirect('/admin/queues', 303)
  })

  app.post(
    '/admin/outbox/:id/:action',
    { schema: { params: deadRowParams } },
    async (request, reply) => {
      const action = settleAction(request.params.action)
      if (
        !/^\d{1,10}$/.test(request.params.id) ||
        !(await settleDead(app.db, Number(request.params.id), action))
      ) {
        throw new ServiceError(404, 'There is no such dead outbox row.')
      }
      app.jobs.kick()
      return reply.redirect('/admin/queues', 303)
    },
  )
}

export default operatorRoutes
