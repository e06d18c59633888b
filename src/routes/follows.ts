// Following people and shakes, and the lists of who follows whom.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import type { Shake } from '../repositories/shakes.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { FIND_PEOPLE_PATH } from './next-steps.js'
import { formBody, formValues, idParams, nameParams } from './schemas.js'

/** A follow from a list (the suggestions on home) says where to go back to. */
const followForm = formBody('next')

const followRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    shake: Shake,
    follow: boolean,
    back: string,
    next: string,
  ) {
    const user = signedInUser(request)
    if (follow) await app.follows.follow(user, shake)
    else await app.follows.unfollow(user, shake)
    if (wantsJson(request)) return reply.send({ following: follow })
    return reply.redirect(safeNextPath(next, back), 303)
  }

  const writing = [requireUser, ...app.writeLimits.follow]
  for (const [verb, follow] of [
    ['subscribe', true],
    ['unsubscribe', false],
  ] as const) {
    const ofUser = { schema: { params: nameParams, body: followForm }, preHandler: writing }
    app.post(`/user/:name/${verb}`, ofUser, async (request, reply) => {
      const { user, shake } = await app.follows.shakeOfUser(request.params.name)
      const { next } = formValues(followForm, request.body)
      return change(request, reply, shake, follow, `/user/${user.name}`, next)
    })
    const ofShake = { schema: { params: idParams, body: followForm }, preHandler: writing }
    app.post(`/shake/:id/${verb}`, ofShake, async (request, reply) => {
      const shake = await app.follows.shakeById(request.params.id)
      const back = shake.type === 'user' ? `/user/${shake.name}` : `/${shake.name}`
      return change(request, reply, shake, follow, back, formValues(followForm, request.body).next)
    })
  }

  // MLTSHP's address for the people to follow; the same list a newcomer's empty home shows.
  app.get(FIND_PEOPLE_PATH, async (request, reply) => {
    const suggestions = request.user
      ? await app.suggestions.forMember(request.user, 30)
      : await app.suggestions.forEveryone(30)
    return reply.page('find-people', { suggestions, suggestionsReturn: FIND_PEOPLE_PATH })
  })

  app.get('/user/:name/followers', { schema: { params: nameParams } }, async (request, reply) => {
    const { user, shake } = await app.follows.shakeOfUser(request.params.name)
    const people = await app.follows.followers(shake)
    return reply.page('people', {
      pageTitle: `People following ${user.name}`,
      profileUser: user,
      people,
      kind: 'followers',
    })
  })
  app.get('/user/:name/following', { schema: { params: nameParams } }, async (request, reply) => {
    const { user } = await app.follows.shakeOfUser(request.params.name)
    const people = await app.follows.following(user)
    return reply.page('people', {
      pageTitle: `${user.name} follows`,
      profileUser: user,
      people,
      kind: 'following',
    })
  })
}

export default followRoutes
