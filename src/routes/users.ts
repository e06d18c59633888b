// Public profiles with the user's shake: /user/NAME (also /~NAME), paged with
// /user/NAME/before/KEY (older) and /user/NAME/after/KEY (newer).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { postCards } from './post-cards.js'

const profileParams = Type.Object({
  name: Type.String(),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
})
const profile = { schema: { params: profileParams } }

const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function showProfile(
    request: FastifyRequest<{ Params: Static<typeof profileParams> }>,
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
    // A blocked person's posts are hidden from the blocker, on their profile too.
    const [{ blocked, muted }, shown, following] = await Promise.all([
      app.blocks.stance(request.user, found.user),
      found.shake
        ? app.posts.shakePage(found.shake.id, {
            ...(before !== undefined ? { before } : {}),
            ...(after !== undefined ? { after } : {}),
          })
        : { items: [], olderKey: undefined, newerKey: undefined },
      request.user && found.shake ? app.follows.isFollowing(request.user, found.shake) : false,
    ])
    const page = blocked ? { items: [], olderKey: undefined, newerKey: undefined } : shown
    return reply.page('user', {
      profileUser: found.user,
      shake: found.shake,
      posts: await postCards(app, request.user, page.items),
      olderUrl: page.olderKey && `/user/${found.user.name}/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/user/${found.user.name}/after/${page.newerKey}`,
      isOwner: request.user?.id === found.user.id,
      blocked,
      muted,
      following,
    })
  }

  app.get('/user/:name', profile, showProfile)
  app.get('/user/:name/before/:before', profile, showProfile)
  app.get('/user/:name/after/:after', profile, showProfile)
  app.get('/~:name', profile, showProfile)
}

export default userRoutes
