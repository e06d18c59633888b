// Feeds and embeds: RSS for user and group shakes, and oEmbed for the site's own posts.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { Shake } from '../repositories/shakes.js'
import { idFromShareKey } from '../services/share-keys.js'
import { pickRendition, postView, renditionPaths } from './post-view.js'
import { rssDocument } from './rss.js'

const feedRoutes: FastifyPluginAsync = async (app) => {
  const base = app.config.baseUrl
  const filesBase = app.config.filesBaseUrl === base ? '' : app.config.filesBaseUrl
  const absolute = (path: string) => (path.startsWith('http') ? path : `${base}${path}`)

  async function feed(reply: FastifyReply, shake: Shake, link: string) {
    const page = await app.posts.shakePage(shake.id, {})
    const body = rssDocument(
      {
        title: shake.title || shake.name,
        link: absolute(link),
        description: shake.description || `The latest posts of ${shake.name}`,
        selfUrl: absolute(`${link}/rss`),
      },
      page.items.map((post) => postView(post, filesBase)),
      absolute,
    )
    return reply
      .type('application/rss+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(body)
  }

  app.get<{ Params: { name: string } }>('/user/:name/rss', async (request, reply) => {
    const { user, shake } = await app.follows.shakeOfUser(request.params.name)
    return feed(reply, shake, `/user/${user.name}`)
  })

  app.get<{ Params: { name: string } }>('/shake/:name/rss', async (request, reply) => {
    const shake = await app.follows.shakeByName(request.params.name)
    return feed(reply, shake, shake.type === 'user' ? `/user/${shake.name}` : `/${shake.name}`)
  })

  app.get<{
    Querystring: { url?: string; maxwidth?: string; maxheight?: string; format?: string }
  }>('/services/oembed', async (request, reply) => {
    const { url = '', maxwidth, maxheight, format = 'json' } = request.query
    if (format !== 'json')
      return reply.code(501).send({ error: 'Only the json format is offered.' })
    let key: string | undefined
    try {
      const parsed = new URL(url)
      const match = /^\/p\/([0-9A-Za-z]{1,10})\/?$/.exec(parsed.pathname)
      if (parsed.origin === base && match) key = match[1]
    } catch {
      key = undefined
    }
    const post = key && idFromShareKey(key) ? await app.posts.find(key) : undefined
    if (!post) return reply.code(404).send({ error: 'That is not a post on this site.' })
    const view = postView(post, filesBase)
    const maxW = Number(maxwidth) > 0 ? Number(maxwidth) : Number.POSITIVE_INFINITY
    const maxH = Number(maxheight) > 0 ? Number(maxheight) : Number.POSITIVE_INFINITY
    // The largest rendition that fits, else the smallest full-image one.
    const candidates = ['original', 'w1100', 'w550', 'small']
      .map((name) => post.sourcefile.renditions.find((r) => r.name === name))
      .filter((r) => r !== undefined)
    const chosen =
      candidates.find((r) => r.width <= maxW && r.height <= maxH) ??
      candidates.at(-1) ??
      pickRendition(post.sourcefile.renditions, '')
    return reply.header('cache-control', 'public, max-age=3600').send({
      version: '1.0',
      type: 'photo',
      provider_name: 'MLKSHK',
      provider_url: base,
      title: post.title || `Posted by ${post.userName}`,
      author_name: post.userName,
      author_url: absolute(`/user/${post.userName}`),
      url: absolute(`${view.rawUrl}${chosen ? renditionPaths[chosen.name] : ''}`),
      width: chosen?.width ?? post.sourcefile.width,
      height: chosen?.height ?? post.sourcefile.height,
      thumbnail_url: absolute(view.thumbUrl),
      thumbnail_width: 100,
      thumbnail_height: 100,
    })
  })
}

export default feedRoutes
