// Flagging images and people NSFW, and each viewer's choice about covered images.
import type { FastifyPluginAsync } from 'fastify'
import { requireRole, requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formFields } from './form-fields.js'

const nsfwRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Params: { key: string } }>(
    '/p/:key/nsfw',
    { preHandler: requireUser },
    async (request, reply) => {
      await app.nsfw.flagPost(signedInUser(request), request.params.key)
      if (wantsJson(request)) return reply.send({ nsfw: true })
      request.flash(
        'success',
        'Thank you: this image is now covered for people who asked for that.',
      )
      return reply.redirect(`/p/${request.params.key}`, 303)
    },
  )

  // Moderators mark a person (from their profile or their dossier, which passes `next`).
  app.post<{ Params: { name: string; state: string } }>(
    '/user/:name/nsfw/:state',
    { preHandler: requireRole('moderator') },
    async (request, reply) => {
      const { state, name } = request.params
      if (state !== 'on' && state !== 'off') return reply.callNotFound()
      const { note, next } = formFields(request, ['note', 'next'])
      await app.moderation.markNsfw(signedInUser(request), name, state === 'on', note)
      return reply.redirect(safeNextPath(next, `/user/${encodeURIComponent(name)}`), 303)
    },
  )

  // on: cover NSFW images (the default); off: show them at once.
  app.post<{ Params: { state: string } }>(
    '/account/set-content-filter/:state',
    async (request, reply) => {
      const show = request.params.state === 'off'
      if (request.user) await app.nsfw.setPreference(request.user, show)
      else
        reply.setCookie('nsfw_filter', show ? 'off' : 'on', {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          maxAge: 365 * 24 * 3600,
        })
      const { next } = formFields(request, ['next'])
      return reply.redirect(safeNextPath(next, '/'), 303)
    },
  )
}

export default nsfwRoutes
