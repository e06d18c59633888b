// Feeds and embeds: RSS for user and group shakes, and oEmbed for the site's own posts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { escapeHtml } from '../plugins/linkify.js'
import type { Post } from '../repositories/posts.js'
import type { Shake } from '../repositories/shakes.js'
import { idFromShareKey } from '../services/share-keys.js'
import { playerUrl, providerNames } from '../services/video-urls.js'
import { fallbackNamed, pickRendition, presentPost, renditionPaths } from './post-presentation.js'
import { rssDocument } from './rss.js'
import { nameParams } from './schemas.js'

/** A feed lists the latest posts, as many as MLTSHP's do. */
const FEED_SIZE = 20
/** A JSONP callback is a plain name: nothing a script could be smuggled in. */
const CALLBACK_NAME = /^[A-Za-z0-9]{1,64}$/

/** A player's size within maxwidth/maxheight, keeping its shape (550×309 when unknown). */
function playerSize(post: Post, maxW: number, maxH: number): { width: number; height: number } {
  const video = post.sourcefile.videoLink
  const width = video?.width ?? 550
  const height = video?.height ?? Math.round((width * 9) / 16)
  const scale = Math.min(1, maxW / width, maxH / height)
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  }
}

const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const base = app.config.baseUrl
  const filesBase = app.config.filesBaseUrl === base ? '' : app.config.filesBaseUrl
  const absolute = (path: string) => (path.startsWith('http') ? path : `${base}${path}`)

  async function feed(reply: FastifyReply, shake: Shake, link: string) {
    const page = await app.posts.shakePage(shake.id, {}, FEED_SIZE)
    const body = rssDocument(
      {
        title: shake.title || shake.name,
        link: absolute(link),
        description: shake.description || `The latest posts of ${shake.name}`,
        selfUrl: absolute(`${link}/rss`),
      },
      page.items.map((post) => presentPost(post, filesBase)),
      absolute,
    )
    return reply
      .type('application/rss+xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(body)
  }

  app.get('/user/:name/rss', { schema: { params: nameParams } }, async (request, reply) => {
    const { user, shake } = await app.follows.shakeOfUser(request.params.name)
    return feed(reply, shake, `/user/${user.name}`)
  })

  app.get('/shake/:name/rss', { schema: { params: nameParams } }, async (request, reply) => {
    const shake = await app.follows.shakeByName(request.params.name)
    return feed(reply, shake, shake.type === 'user' ? `/user/${shake.name}` : `/${shake.name}`)
  })

  /**
   * oEmbed answers are public and the same for everyone: other sites' scripts may read them
   * (CORS without credentials), or load them as JSONP with `jsoncallback`, as on MLTSHP.
   */
  function embedAnswer(
    reply: FastifyReply,
    callback: string | undefined,
    status: number,
    body: object,
  ) {
    reply
      .code(status)
      .header('access-control-allow-origin', '*')
      // Loaded by a <script> of another site (JSONP): the site's default would refuse it.
      .header('cross-origin-resource-policy', 'cross-origin')
    if (callback === undefined) return reply.send(body)
    return reply
      .type('application/javascript; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .send(`/**/${callback}(${JSON.stringify(body)});`)
  }

  app.get<{
    Querystring: {
      url?: string
      maxwidth?: string
      maxheight?: string
      format?: string
      jsoncallback?: string
    }
  }>('/services/oembed', async (request, reply) => {
    const { url = '', maxwidth, maxheight, format = 'json', jsoncallback } = request.query
    if (jsoncallback !== undefined && !CALLBACK_NAME.test(jsoncallback))
      return embedAnswer(reply, undefined, 400, {
        error: 'jsoncallback must be letters and digits only.',
      })
    const answer = (status: number, body: object) => embedAnswer(reply, jsoncallback, status, body)
    if (format !== 'json') return answer(501, { error: 'Only the json format is offered.' })
    let key: string | undefined
    try {
      const parsed = new URL(url)
      const match = /^\/p\/([0-9A-Za-z]{1,10})\/?$/.exec(parsed.pathname)
      if (parsed.origin === base && match) key = match[1]
    } catch {
      key = undefined
    }
    const post = key && idFromShareKey(key) ? await app.posts.find(key) : undefined
    if (!post) return answer(404, { error: 'That is not a post on this site.' })
    const presented = presentPost(post, filesBase)
    const maxW = Number(maxwidth) > 0 ? Number(maxwidth) : Number.POSITIVE_INFINITY
    const maxH = Number(maxheight) > 0 ? Number(maxheight) : Number.POSITIVE_INFINITY
    reply.header('cache-control', 'public, max-age=3600')
    const video = post.sourcefile.videoLink
    if (video) {
      // Our own player markup, built from the video's id: never the provider's HTML.
      const { width, height } = playerSize(post, maxW, maxH)
      const title = post.title || video.title || `Posted by ${post.userName}`
      return answer(200, {
        version: '1.0',
        type: 'video',
        provider_name: 'MLKSHK',
        provider_url: base,
        title,
        author_name: post.userName,
        author_url: absolute(`/user/${post.userName}`),
        html: `<iframe src="${escapeHtml(playerUrl(video))}" width="${width}" height="${height}" title="${escapeHtml(title)}" frameborder="0" allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe>`,
        width,
        height,
        video_provider: providerNames[video.provider],
        video_url: video.url,
        thumbnail_url: absolute(presented.thumbUrl),
        thumbnail_width: 100,
        thumbnail_height: 100,
      })
    }
    // The largest rendition that fits, else the smallest full-image one.
    const candidates = ['original', 'w1100', 'w550', 'small']
      .map((name) => fallbackNamed(post.sourcefile, name))
      .filter((r) => r !== undefined)
    const chosen =
      candidates.find((r) => r.width <= maxW && r.height <= maxH) ??
      candidates.at(-1) ??
      pickRendition(post.sourcefile, '')
    return answer(200, {
      version: '1.0',
      type: 'photo',
      provider_name: 'MLKSHK',
      provider_url: base,
      title: post.title || `Posted by ${post.userName}`,
      author_name: post.userName,
      author_url: absolute(`/user/${post.userName}`),
      url: absolute(`${presented.rawUrl}${chosen ? renditionPaths[chosen.name] : ''}`),
      width: chosen?.width ?? post.sourcefile.width,
      height: chosen?.height ?? post.sourcefile.height,
      thumbnail_url: absolute(presented.thumbUrl),
      thumbnail_width: 100,
      thumbnail_height: 100,
    })
  })
}

export default feedRoutes
