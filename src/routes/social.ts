// Likes, saves and comments on a post. Forms redirect back to the post; scripts asking for JSON
// get the new state from the same transaction.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { ValidationError } from '../services/errors.js'
import { formFields } from './form-fields.js'

type KeyParams = { Params: { key: string } }
type CommentParams = { Params: { key: string; id: string } }

const socialRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('preHandler', requireUser)

  function back(
    request: FastifyRequest<KeyParams>,
    reply: FastifyReply,
    json: object,
    anchor = '',
  ) {
    if (wantsJson(request)) return reply.send(json)
    return reply.redirect(`/p/${request.params.key}${anchor}`, 303)
  }

  // Notifications name comments by id.
  app.get<{ Params: { id: string } }>('/comment/:id', async (request, reply) =>
    reply.redirect(await app.comments.pathOf(request.params.id)),
  )

  const { like, save, comment } = app.writeLimits
  app.post<KeyParams>('/p/:key/like', { preHandler: like }, async (request, reply) => {
    const state = await app.likes.like(signedInUser(request), request.params.key)
    return back(request, reply, { liked: state.liked, like_count: state.likeCount })
  })

  app.post<KeyParams>('/p/:key/unlike', { preHandler: like }, async (request, reply) => {
    const state = await app.likes.unlike(signedInUser(request), request.params.key)
    return back(request, reply, { liked: state.liked, like_count: state.likeCount })
  })

  app.post<KeyParams>('/p/:key/save', { preHandler: save }, async (request, reply) => {
    const { shake_id } = formFields(request, ['shake_id'])
    const saved = await app.saves.save(signedInUser(request), request.params.key, shake_id)
    if (wantsJson(request))
      return reply.send({ key: saved.key, created: saved.created, save_count: saved.saveCount })
    request.flash('success', saved.created ? 'Saved to your shake.' : 'You had already saved this.')
    return reply.redirect(`/p/${saved.key}`, 303)
  })

  app.post<KeyParams>('/p/:key/comment', { preHandler: comment }, async (request, reply) => {
    const { body } = formFields(request, ['body'])
    try {
      const comment = await app.comments.comment(signedInUser(request), request.params.key, body)
      return back(request, reply, { id: comment.id }, `#comment-${comment.id}`)
    } catch (error) {
      if (!(error instanceof ValidationError) || wantsJson(request)) throw error
      request.flash('error', error.message)
      return reply.redirect(`/p/${request.params.key}#comment-form`, 303)
    }
  })

  app.post<CommentParams>('/p/:key/comment/:id/delete', async (request, reply) => {
    await app.comments.remove(signedInUser(request), request.params.key, request.params.id)
    return back(request, reply, { deleted: true }, '#comments')
  })

  for (const [verb, liked] of [
    ['like', true],
    ['unlike', false],
  ] as const) {
    app.post<CommentParams>(
      `/p/:key/comment/:id/${verb}`,
      { preHandler: like },
      async (request, reply) => {
        const { key, id } = request.params
        const count = await app.comments.like(signedInUser(request), key, id, liked)
        return back(request, reply, { like_count: count }, `#comment-${id}`)
      },
    )
  }

  app.post<KeyParams>('/p/:key/mute', async (request, reply) => {
    await app.comments.mute(signedInUser(request), request.params.key, true)
    if (wantsJson(request)) return reply.send({ muted: true })
    return reply.redirect('/conversations', 303)
  })

  app.post<KeyParams>('/p/:key/unmute', async (request, reply) => {
    await app.comments.mute(signedInUser(request), request.params.key, false)
    return back(request, reply, { muted: false })
  })
}

export default socialRoutes
