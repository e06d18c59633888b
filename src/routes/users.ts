// Public profiles with the user's shake: /user/NAME (also /~NAME), paged with
// /user/NAME/before/KEY (older) and /user/NAME/after/KEY (newer).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { postView } from './post-view.js'

interface ProfileParams {
  name: string
  before?: string
  after?: string
}

const userRoutes: FastifyPluginAsync = async (app) => {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl

  async function showProfile(
    request: FastifyRequest<{ Params: ProfileParams }>,
    reply: FastifyReply,
  ) {
    const { name, before, after } = request.params
    const found = await app.accounts.profile(name)
    if (!found) return reply.callNotFound()
    // One address per person: other spellings of the name redirect to it.
    if (found.user.name !== name) {
      const rest = before ? `/before/${before}` : after ? `/after/${after}` : ''
      return reply.redirect(`/user/${found.user.name}${rest}`, 301)
    }
    const [page, following] = await Promise.all([
      found.shake
        ? app.posts.shakePage(found.shake.id, {
            ...(before !== undefined ? { before } : {}),
            ...(after !== undefined ? { after } : {}),
          })
        : { items: [], olderKey: undefined, newerKey: undefined },
      request.user && found.shake ? app.follows.isFollowing(request.user, found.shake) : false,
    ])
    return reply.page('user', {
      profileUser: found.user,
      shake: found.shake,
      posts: page.items.map((post) => postView(post, filesBase)),
      olderUrl: page.olderKey && `/user/${found.user.name}/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/user/${found.user.name}/after/${page.newerKey}`,
      isOwner: request.user?.id === found.user.id,
      following,
    })
  }

  app.get<{ Params: ProfileParams }>('/user/:name', showProfile)
  app.get<{ Params: ProfileParams }>('/user/:name/before/:before', showProfile)
  app.get<{ Params: ProfileParams }>('/user/:name/after/:after', showProfile)
  app.get<{ Params: ProfileParams }>('/~:name', showProfile)
}

export default userRoutes
