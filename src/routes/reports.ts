// The report button: a signed-in member reports a post, a comment or a person.
import type { FastifyPluginAsync } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formFields } from './form-fields.js'

type ReportParams = { Params: { type: string; target: string } }

const reportRoutes: FastifyPluginAsync = async (app) => {
  app.post<ReportParams>(
    '/report/:type/:target',
    { preHandler: requireUser, config: limitedPerUser(app.config.rateLimits.report) },
    async (request, reply) => {
      const form = formFields(request, ['reason', 'note', 'next'])
      const filed = await app.reports.report(
        signedInUser(request),
        request.params.type,
        request.params.target,
        form,
      )
      if (wantsJson(request)) return reply.code(filed ? 201 : 200).send({ reported: true })
      request.flash(
        'success',
        filed
          ? 'Thank you. The moderators will look at your report.'
          : 'You reported this already; the moderators will look at it.',
      )
      return reply.redirect(safeNextPath(form.next, '/'), 303)
    },
  )
}

export default reportRoutes
