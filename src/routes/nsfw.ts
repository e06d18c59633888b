// Flagging images and people NSFW, and each viewer's choice about covered images.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireRole, requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formBody, formValues, keyParams, nextForm } from './schemas.js'

/** A moderator's mark: a note for the log, and where to go back to (profile or dossier). */
const markForm = formBody('note', 'next')

const nsfwRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/p/:key/nsfw',
    { schema: { params: keyParams }, preHandler: requireUser },
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
  app.post(
    '/user/:name/nsfw/:state',
    {
      schema: {
        params: Type.Object({ name: Type.String(), state: Type.String() }),
        body: markForm,
      },
      preHandler: requireRole('moderator'),
    },
    async (request, reply) => {
      const { state, name } = request.params
      if (state !== 'on' && state !== 'off') return reply.callNotFound()
      const { note, next } = formValues(markForm, request.body)
      await app.moderation.markNsfw(signedInUser(request), name, state === 'on', note)
      return reply.redirect(safeNextPath(next, `/user/${encodeURIComponent(name)}`), 303)
    },
  )

  // on: cover NSFW images (the default); off: show them at once.
  app.post(
    '/account/set-content-filter/:state',
    { schema: { params: Type.Object({ state: Type.String() }), body: nextForm } },
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
      const { next } = formValues(nextForm, request.body)
      return reply.redirect(safeNextPath(next, '/'), 303)
    },
  )
}

export default nsfwRoutes
