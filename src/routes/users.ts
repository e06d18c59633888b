// Public profiles: /user/NAME and its short form /~NAME.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

const userRoutes: FastifyPluginAsync = async (app) => {
  async function showProfile(
    request: FastifyRequest<{ Params: { name: string } }>,
    reply: FastifyReply,
  ) {
    const found = await app.accounts.profile(request.params.name)
    if (!found) return reply.callNotFound()
    // One address per person: other spellings of the name redirect to it.
    if (found.user.name !== request.params.name)
      return reply.redirect(`/user/${found.user.name}`, 301)
    return reply.page('user', {
      profileUser: found.user,
      shake: found.shake,
      isOwner: request.user?.id === found.user.id,
    })
  }

  app.get<{ Params: { name: string } }>('/user/:name', showProfile)
  app.get<{ Params: { name: string } }>('/~:name', showProfile)
}

export default userRoutes
