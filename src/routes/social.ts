// Likes, saves and comments on a post. Forms redirect back to the post; scripts asking for JSON
// get the new state from the same transaction.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { ValidationError } from '../services/errors.js'
import { commentParams, formBody, formValues, idParams, keyParams } from './schemas.js'

const saveForm = formBody('shake_id')
const commentForm = formBody('body')

const socialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', requireUser)

  function back(
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    json: object,
    anchor = '',
  ) {
    if (wantsJson(request)) return reply.send(json)
    return reply.redirect(`/p/${key}${anchor}`, 303)
  }

  // Notifications name comments by id.
  app.get('/comment/:id', { schema: { params: idParams } }, async (request, reply) =>
    reply.redirect(await app.comments.pathOf(request.params.id)),
  )

  const { like, save, comment } = app.writeLimits
  const onPost = { params: keyParams }
  // MLTSHP's /favor and /unfavor still work: its bookmarklets and apps post there.
  const liking = [
    ['/p/:key/like', 'like'],
    ['/p/:key/favor', 'like'],
    ['/p/:key/unlike', 'unlike'],
    ['/p/:key/unfavor', 'unlike'],
  ] as const
  for (const [path, action] of liking)
    app.post(path, { schema: onPost }, async (request, reply) => {
      // The busiest write: its post is read while the writer's limit is counted, one round
      // trip in time instead of two; nothing is written until the count allows it.
      const allowed = app.countWrite('like', request)
      const state = await app.likes[action](signedInUser(request), request.params.key, allowed)
      return back(request, reply, request.params.key, {
        liked: state.liked,
        like_count: state.likeCount,
      })
    })

  const saving = { params: keyParams, body: saveForm }
  app.post('/p/:key/save', { schema: saving, preHandler: save }, async (request, reply) => {
    const { shake_id } = formValues(saveForm, request.body)
    const saved = await app.saves.save(signedInUser(request), request.params.key, shake_id)
    if (wantsJson(request))
      return reply.send({ key: saved.key, created: saved.created, save_count: saved.saveCount })
    request.flash('success', saved.created ? 'Saved to your shake.' : 'You had already saved this.')
    return reply.redirect(`/p/${saved.key}`, 303)
  })

  const commenting = { params: keyParams, body: commentForm }
  app.post(
    '/p/:key/comment',
    { schema: commenting, preHandler: comment },
    async (request, reply) => {
      const { body } = formValues(commentForm, request.body)
      try {
        const comment = await app.comments.comment(signedInUser(request), request.params.key, body)
        return back(
          request,
          reply,
          request.params.key,
          { id: comment.id },
          `#comment-${comment.id}`,
        )
      } catch (error) {
        if (!(error instanceof ValidationError) || wantsJson(request)) throw error
        request.flash('error', error.message)
        return reply.redirect(`/p/${request.params.key}#comment-form`, 303)
      }
    },
  )

  const onComment = { params: commentParams }
  app.post('/p/:key/comment/:id/delete', { schema: onComment }, async (request, reply) => {
    await app.comments.remove(signedInUser(request), request.params.key, request.params.id)
    return back(request, reply, request.params.key, { deleted: true }, '#comments')
  })

  for (const [verb, liked] of [
    ['like', true],
    ['unlike', false],
  ] as const) {
    app.post(
      `/p/:key/comment/:id/${verb}`,
      { schema: onComment, preHandler: like },
      async (request, reply) => {
        const { key, id } = request.params
        const count = await app.comments.like(signedInUser(request), key, id, liked)
        return back(request, reply, key, { like_count: count }, `#comment-${id}`)
      },
    )
  }

  app.post('/p/:key/mute', { schema: onPost }, async (request, reply) => {
    await app.comments.mute(signedInUser(request), request.params.key, true)
    if (wantsJson(request)) return reply.send({ muted: true })
    return reply.redirect('/conversations', 303)
  })

  app.post('/p/:key/unmute', { schema: onPost }, async (request, reply) => {
    await app.comments.mute(signedInUser(request), request.params.key, false)
    return back(request, reply, request.params.key, { muted: false })
  })
}

export default socialRoutes
