// Blocking and muting: buttons on profiles and shakes, and the list in settings.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formFields } from './form-fields.js'

type NameParams = { Params: { name: string } }
type IdParams = { Params: { id: string } }

const privacyRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('preHandler', requireUser)

  /** Back to where the form was (settings or the profile), with a word about what changed. */
  function done(
    request: FastifyRequest,
    reply: FastifyReply,
    state: Record<string, boolean>,
    message: string,
    fallback: string,
  ) {
    if (wantsJson(request)) return reply.send(state)
    request.flash('success', message)
    return reply.redirect(safeNextPath(formFields(request, ['next']).next, fallback), 303)
  }

  app.post<NameParams>('/user/:name/block', async (request, reply) => {
    const target = await app.blocks.block(signedInUser(request), request.params.name)
    return done(
      request,
      reply,
      { blocked: true },
      `You blocked ${target.name}. They can no longer follow you or touch your posts.`,
      `/user/${target.name}`,
    )
  })

  app.post<NameParams>('/user/:name/unblock', async (request, reply) => {
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
    app.post<NameParams>(`/user/:name/${verb}`, async (request, reply) => {
      const target = await app.mutes.muteUser(signedInUser(request), request.params.name, muted)
      const message = muted
        ? `${target.name} is muted: their posts and notifications stay out of your way.`
        : `${target.name} is no longer muted.`
      return done(request, reply, { muted }, message, `/user/${target.name}`)
    })
    app.post<IdParams>(`/shake/:id/${verb}`, async (request, reply) => {
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
