// Posting a video by its link: GET/POST /tools/save-video (MLKSHK's route), signed in, CSRF on
// the form, limited like uploads. The rules are in services/video-links.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { ServiceError, ValidationError } from '../services/errors.js'
import { WEB_ADDRESS_MAX } from '../services/text-rules.js'
import { queryField } from './form-fields.js'
import { formBody, formValues } from './schemas.js'

const videoLinkForm = formBody('url', 'title', 'description', 'shake_id')

const videoLinkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function showForm(
    reply: FastifyReply,
    values: Record<string, string>,
    extra: { errors?: Record<string, string>; error?: string } = {},
    status = 200,
  ) {
    const shakes = await app.shakes.postable(signedInUser(reply.request))
    return reply.page('save-video', { values, errors: {}, shakes, ...extra }, status)
  }

  app.get('/tools/save-video', { preHandler: requireUser }, (request, reply) =>
    // ?url= fills the form in (a bookmarklet or a share menu can open it so).
    showForm(reply, { url: queryField(request, 'url').slice(0, WEB_ADDRESS_MAX) }),
  )

  app.post(
    '/tools/save-video',
    {
      schema: { body: videoLinkForm },
      preHandler: requireUser,
      config: limitedPerUser(app.config.rateLimits.upload),
    },
    async (request, reply) => {
      const user = signedInUser(request)
      const form = formValues(videoLinkForm, request.body)
      try {
        const post = await app.videoLinks.post(user, {
          url: form.url,
          title: form.title,
          description: form.description,
          shakeId: form.shake_id,
        })
        if (wantsJson(request))
          return reply
            .code(post.repeated ? 200 : 201)
            .send({ key: post.key, url: `/p/${post.key}` })
        return reply.redirect(`/p/${post.key}`, 302)
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error
        request.log.info({ status: error.status }, `video link refused: ${error.message}`)
        const fields = error instanceof ValidationError ? error.fields : {}
        if (wantsJson(request))
          return reply.code(error.status).send({ error: error.message, fields })
        return showForm(reply, form, { errors: fields, error: error.message }, error.status)
      }
    },
  )
}

export default videoLinkRoutes
