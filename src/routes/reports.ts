// The report button: a signed-in member reports a post, a comment or a person.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formBody, formValues } from './schemas.js'

/** What is reported: a post, comment, person or shake, by its key, id or name. */
const reportParams = Type.Object({ type: Type.String(), target: Type.String() })
const reportForm = formBody('reason', 'note', 'next')

const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/report/:type/:target',
    {
      schema: { params: reportParams, body: reportForm },
      preHandler: requireUser,
      config: limitedPerUser(app.config.rateLimits.report),
    },
    async (request, reply) => {
      const form = formValues(reportForm, request.body)
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
