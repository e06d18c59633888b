// The streams: home (the friend timeline when signed in), Incoming, Popular, a user's likes,
// notifications, conversations and mentions.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import type { Post } from '../repositories/posts.js'
import type { NotificationGroup } from '../services/notification-groups.js'
import {
  findPeople,
  findShakes,
  postAnImage,
  postFirstImage,
  seeIncoming,
  seePopular,
} from './next-steps.js'
import { postCards } from './post-cards.js'
import { presentPost } from './post-presentation.js'
import { formBody, formValues, pageParams } from './schemas.js'

type PageRequest = FastifyRequest<{ Params: Static<typeof pageParams> }>
const pageRoute = { schema: { params: pageParams } }
const clearForm = formBody('type')

/** The home page's sidebar shows this many notification rows, and links to the rest. */
const SIDEBAR_NOTIFICATIONS = 8

const streamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl

  const cards = (request: FastifyRequest, posts: Post[]) => postCards(app, request.user, posts)

  const presentNotification = (g: NotificationGroup) =>
    g.post ? { ...g, post: presentPost(g.post, filesBase) } : g

  const cursorOf = (params: { before?: string; after?: string }) => ({
    ...(params.before !== undefined ? { before: params.before } : {}),
    ...(params.after !== undefined ? { after: params.after } : {}),
  })

  async function home(request: PageRequest, reply: FastifyReply) {
    if (!request.user) {
      const popular = await app.streams.popular({}, request.user)
      return reply.page('home', { posts: await cards(request, popular.slice(0, 10)) })
    }
    const cursor = cursorOf(request.params)
    const [page, notifications] = await Promise.all([
      app.streams.friendTimeline(request.user, cursor),
      app.streams.notifications(request.user, SIDEBAR_NOTIFICATIONS + 1),
    ])
    // Nothing to read yet: a newcomer is offered people and shakes to follow right here.
    const firstPage = cursor.before === undefined && cursor.after === undefined
    const suggestions =
      firstPage && page.items.length === 0
        ? await app.suggestions.forMember(request.user)
        : undefined
    return reply.page('stream', {
      sidebar: {
        notifications: notifications.slice(0, SIDEBAR_NOTIFICATIONS).map(presentNotification),
        more: notifications.length > SIDEBAR_NOTIFICATIONS,
      },
      pageTitle: 'Your friends',
      heading: 'Your friends',
      metaDescription: 'The latest images from the people and shakes you follow on MLKSHK.',
      // An unconfirmed member is asked to confirm on their streams, and comes back here.
      noticeReturn: '/',
      emptyText: 'Posts from the people and shakes you follow appear here. Follow a few to begin.',
      emptyLinks: [findPeople, postFirstImage],
      suggestions,
      suggestionsReturn: '/',
      posts: await cards(request, page.items),
      olderUrl: page.olderKey && `/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/after/${page.newerKey}`,
    })
  }
  app.get('/', pageRoute, home)
  app.get('/before/:before', pageRoute, home)
  app.get('/after/:after', pageRoute, home)

  async function incoming(request: PageRequest, reply: FastifyReply) {
    const page = await app.streams.incoming(cursorOf(request.params), request.user)
    return reply.page('stream', {
      pageTitle: 'Incoming',
      heading: 'Incoming',
      metaDescription: 'Everything new on MLKSHK: every image as it is posted, newest first.',
      noticeReturn: '/incoming',
      emptyText: 'Nothing has been posted yet.',
      emptyLinks: [postFirstImage],
      posts: await cards(request, page.items),
      olderUrl: page.olderKey && `/incoming/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/incoming/after/${page.newerKey}`,
    })
  }
  app.get('/incoming', pageRoute, incoming)
  app.get('/incoming/before/:before', pageRoute, incoming)
  app.get('/incoming/after/:after', pageRoute, incoming)

  async function tag(request: PageRequest, reply: FastifyReply) {
    const name = request.params.name ?? ''
    const page = await app.posts.tagPage(name, cursorOf(request.params), request.user)
    const tagged = name.toLowerCase()
    return reply.page('stream', {
      pageTitle: `#${tagged}`,
      heading: `#${tagged}`,
      metaDescription: `Images tagged #${tagged} on MLKSHK, newest first.`,
      emptyText: 'Nothing carries this tag yet.',
      emptyLinks: [seeIncoming],
      posts: await cards(request, page.items),
      olderUrl: page.olderKey && `/tag/${encodeURIComponent(tagged)}/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/tag/${encodeURIComponent(tagged)}/after/${page.newerKey}`,
    })
  }
  app.get('/tag/:name', pageRoute, tag)
  app.get('/tag/:name/before/:before', pageRoute, tag)
  app.get('/tag/:name/after/:after', pageRoute, tag)

  app.get<{ Querystring: { q?: string; page?: string } }>('/search', async (request, reply) => {
    const q = typeof request.query.q === 'string' ? request.query.q : ''
    const results = await app.searcher.search(q, Number(request.query.page ?? 1), request.user)
    const next = results.hasMore
      ? `/search?q=${encodeURIComponent(q)}&page=${results.page + 1}`
      : undefined
    return reply.page('search', {
      pageTitle: q ? `Search: ${q.slice(0, 80)}` : 'Search',
      q: q.slice(0, 500),
      results,
      posts: await cards(request, results.posts),
      nextUrl: next,
      emptyLinks: [seeIncoming, findShakes],
    })
  })

  app.get('/popular', async (request, reply) => {
    // Visitors share the briefly cached list; a signed-in user sees it fresh.
    const posts = await app.streams.popular({ fresh: request.user !== null }, request.user)
    return reply.page('stream', {
      pageTitle: 'Popular',
      heading: 'Popular',
      metaDescription: 'The images people on MLKSHK liked most this week.',
      emptyText: 'Nothing has been liked this week yet.',
      emptyLinks: [seeIncoming],
      posts: await cards(request, posts),
    })
  })

  async function likes(request: PageRequest, reply: FastifyReply) {
    const { user } = await app.follows.shakeOfUser(request.params.name ?? '')
    const page = await app.streams.likesOf(user, cursorOf(request.params), request.user)
    return reply.page('stream', {
      pageTitle: `${user.name} likes`,
      heading: `Liked by ${user.name}`,
      metaDescription: `The images ${user.name} liked on MLKSHK, newest like first.`,
      emptyText:
        request.user?.id === user.id
          ? 'Posts you like are kept here.'
          : `${user.name} has not liked anything yet.`,
      emptyLinks: [seePopular],
      posts: await cards(
        request,
        page.items.map((item) => item.post),
      ),
      olderUrl: page.olderKey && `/user/${user.name}/likes/before/${page.olderKey}`,
    })
  }
  app.get('/user/:name/likes', pageRoute, likes)
  app.get('/user/:name/likes/before/:before', pageRoute, likes)

  app.get('/conversations', { preHandler: requireUser }, async (request, reply) => {
    const posts = await app.streams.conversations(signedInUser(request))
    return reply.page('conversations', {
      posts: posts.map((post) => presentPost(post, filesBase)),
      emptyLinks: [seePopular],
    })
  })

  app.get('/mentions', { preHandler: requireUser }, async (request, reply) => {
    const comments = await app.streams.mentions(signedInUser(request))
    return reply.page('mentions', { comments })
  })

  app.get('/notifications', { preHandler: requireUser }, async (request, reply) => {
    const groups = await app.streams.notifications(signedInUser(request))
    return reply.page('notifications', {
      groups: groups.map(presentNotification),
      emptyLinks: [postAnImage, findPeople],
    })
  })

  const clear = { schema: { body: clearForm }, preHandler: requireUser }
  app.post('/notifications/clear', clear, async (request, reply) => {
    const { type } = formValues(clearForm, request.body)
    const known = ['favorite', 'save', 'comment', 'mention', 'subscriber'] as const
    const which = (known as readonly string[]).includes(type)
      ? { type: type as (typeof known)[number] }
      : {}
    await app.streams.clearNotifications(signedInUser(request), which)
    if (wantsJson(request)) return reply.send({ cleared: true })
    return reply.redirect('/notifications', 303)
  })
}

export default streamRoutes
