// Following people and shakes, and the lists of who follows whom.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import type { Shake } from '../repositories/shakes.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formFields } from './form-fields.js'
import { FIND_PEOPLE_PATH } from './next-steps.js'

const followRoutes: FastifyPluginAsync = async (app) => {
  async function change(
    request: FastifyRequest,
    reply: FastifyReply,
    shake: Shake,
    follow: boolean,
    back: string,
  ) {
    const user = signedInUser(request)
    if (follow) await app.follows.follow(user, shake)
    else await app.follows.unfollow(user, shake)
    if (wantsJson(request)) return reply.send({ following: follow })
    // A follow from a list (the suggestions on home) goes back to that list.
    return reply.redirect(safeNextPath(formFields(request, ['next']).next, back), 303)
  }

  type NameParams = { Params: { name: string } }
  type IdParams = { Params: { id: string } }

  const writing = [requireUser, ...app.writeLimits.follow]
  for (const [verb, follow] of [
    ['subscribe', true],
    ['unsubscribe', false],
  ] as const) {
    app.post<NameParams>(`/user/:name/${verb}`, { preHandler: writing }, async (request, reply) => {
      const { user, shake } = await app.follows.shakeOfUser(request.params.name)
      return change(request, reply, shake, follow, `/user/${user.name}`)
    })
    app.post<IdParams>(`/shake/:id/${verb}`, { preHandler: writing }, async (request, reply) => {
      const shake = await app.follows.shakeById(request.params.id)
      return change(
        request,
        reply,
        shake,
        follow,
        shake.type === 'user' ? `/user/${shake.name}` : `/${shake.name}`,
      )
    })
  }

  // MLTSHP's address for the people to follow; the same list a newcomer's empty home shows.
  app.get(FIND_PEOPLE_PATH, async (request, reply) => {
    const suggestions = request.user
      ? await app.suggestions.forMember(request.user, 30)
      : await app.suggestions.forEveryone(30)
    return reply.page('find-people', { suggestions, suggestionsReturn: FIND_PEOPLE_PATH })
  })

  app.get<NameParams>('/user/:name/followers', async (request, reply) => {
    const { user, shake } = await app.follows.shakeOfUser(request.params.name)
    const people = await app.follows.followers(shake)
    return reply.page('people', {
      pageTitle: `People following ${user.name}`,
      profileUser: user,
      people,
      kind: 'followers',
    })
  })
  app.get<NameParams>('/user/:name/following', async (request, reply) => {
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
