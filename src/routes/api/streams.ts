// The API's streams, newest first, ten at a time, paged with /before/KEY and /after/KEY where
// KEY is an item's pivot_id: a shake, the friend timeline, Incoming, magic files, favorites.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import type { Cursor } from '../../services/paging.js'
import { callerOf } from './bearer.js'
import { presenters } from './presenters.js'

/** A page of a stream, of the shake with this id when the path names one. */
const pageParams = Type.Object({
  id: Type.Optional(Type.String()),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
})
type PageRequest = FastifyRequest<{ Params: Static<typeof pageParams> }>

function cursorOf(params: Static<typeof pageParams>): Cursor {
  return {
    ...(params.before !== undefined ? { before: params.before } : {}),
    ...(params.after !== undefined ? { after: params.after } : {}),
  }
}

/** PATH, PATH/before/:before and PATH/after/:after, all answered by one handler. */
function paged(
  app: FastifyInstance,
  path: string,
  handler: (request: PageRequest, cursor: Cursor) => Promise<object>,
): void {
  const options = { schema: { params: pageParams }, config: { scope: 'read' as const } }
  const answer = (request: PageRequest) => handler(request, cursorOf(request.params))
  app.get(path, options, answer)
  app.get(`${path}/before/:before`, options, answer)
  app.get(`${path}/after/:after`, options, answer)
}

const streamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const show = presenters(app)

  paged(app, '/shakes/:id', async (request, cursor) => {
    const shake = await app.follows.shakeById(request.params.id ?? '')
    const page = await app.posts.shakePage(shake.id, cursor)
    return { sharedfiles: await show.postPage(callerOf(request).user, page) }
  })

  paged(app, '/friends', async (request, cursor) => {
    const reader = callerOf(request).user
    const page = await app.streams.friendTimeline(reader, cursor)
    return { friend_shake: await show.postPage(reader, page) }
  })

  paged(app, '/incoming', async (request, cursor) => {
    const page = await app.streams.incoming(cursor)
    return { incoming: await show.postPage(callerOf(request).user, page) }
  })

  paged(app, '/magicfiles', async (request, cursor) => {
    const page = await app.streams.magicfiles(cursor)
    const items = page.items.map((item) => ({ post: item.post, pivotId: item.magicId }))
    return { magicfiles: await show.posts(callerOf(request).user, items) }
  })

  paged(app, '/favorites', async (request, cursor) => {
    const reader = callerOf(request).user
    const page = await app.streams.likesOf(reader, cursor)
    const items = page.items.map((item) => ({ post: item.post, pivotId: item.favoriteId }))
    return { favorites: await show.posts(reader, items) }
  })
}

export default streamRoutes
