// Blocking and muting: buttons on profiles and shakes, and the list in settings.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formValues, idParams, nameParams, nextForm } from './schemas.js'

const ofUser = { schema: { params: nameParams, body: nextForm } }
const ofShake = { schema: { params: idParams, body: nextForm } }

const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', requireUser)

  /** Back to where the form was (settings or the profile), with a word about what changed. */
  function done(
    request: FastifyRequest<{ Body: { next?: string } }>,
    reply: FastifyReply,
    state: Record<string, boolean>,
    message: string,
    fallback: string,
  ) {
    if (wantsJson(request)) return reply.send(state)
    request.flash('success', message)
    return reply.redirect(safeNextPath(formValues(nextForm, request.body).next, fallback), 303)
  }

  app.post('/user/:name/block', ofUser, async (request, reply) => {
    const target = await app.blocks.block(signedInUser(request), request.params.name)
    return done(
      request,
      reply,
      { blocked: true },
      `You blocked ${target.name}. They can no longer follow you or touch your posts.`,
      `/user/${target.name}`,
    )
  })

  app.post('/user/:name/unblock', ofUser, async (request, reply) => {
    const target = await app.blocks.unblock(signedInUser(request), request.params.name)
    return done(
      request,
      reply,
      { blocked: false },
      `You unblocked ${target.name}.`,
      `/user/${target.name}`,
    )
  })

  for (const [verb, muted] of [
    ['mute', true],
    ['unmute', false],
  ] as const) {
    app.post(`/user/:name/${verb}`, ofUser, async (request, reply) => {
      const target = await app.mutes.muteUser(signedInUser(request), request.params.name, muted)
      const message = muted
        ? `${target.name} is muted: their posts and notifications stay out of your way.`
        : `${target.name} is no longer muted.`
      return done(request, reply, { muted }, message, `/user/${target.name}`)
    })
    app.post(`/shake/:id/${verb}`, ofShake, async (request, reply) => {
      const shake = await app.mutes.muteShake(signedInUser(request), request.params.id, muted)
      const message = muted
        ? `${shake.title} is muted: its posts stay out of your timeline.`
        : `${shake.title} is no longer muted.`
      return done(
        request,
        reply,
        { muted },
        message,
        shake.type === 'user' ? `/user/${shake.name}` : `/${shake.name}`,
      )
    })
  }

  app.get('/account/settings/privacy', async (request, reply) => {
    const user = signedInUser(request)
    return reply.page('privacy-settings', {
      blocked: await app.blocks.list(user),
      muted: await app.mutes.list(user),
    })
  })
}

export default privacyRoutes
