// Pages for visitors without a session: served from a short-lived in-memory cache, with an ETag
// so a repeat look costs a 304. Per node, in memory: a hit costs no round trip at all (a Redis
// lookup would cost about what the page's own queries cost), and a few seconds of life make
// the copies on different nodes agree soon enough. Writes drop what they change at once on
// every node: through Redis pub/sub when REDIS_URL is set.
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { PageCache, postTag } from '../services/page-cache.js'
import { idFromShareKey } from '../services/share-keys.js'
import { openTagChannel } from '../services/tag-channel.js'
import { wantsFragment, wantsJson } from './negotiation.js'

/** Writes that change one post's page and the lists showing it (counts, comments). */
const POST_WRITE = /^\/p\/([0-9A-Za-z]+)\/(?:like|unlike|comment)/
/** Writes that change nothing a visitor sees. */
const PRIVATE_WRITES = new Set([
  '/sign-in',
  '/sign-out',
  '/notifications/clear',
  '/forgot-password',
])

const SESSION_COOKIE = /(?:^|;\s*)(?:__Host-)?session=/
const NSFW_SHOWN = /(?:^|;\s*)nsfw_filter=off/

function anonymous(cookie: string | undefined): boolean {
  // Any session cookie may carry a user, flash messages or a form's secret: never shared.
  return cookie === undefined || !SESSION_COOKIE.test(cookie)
}

function cacheKey(request: FastifyRequest, cookie: string | undefined): string {
  const nsfwShown = cookie !== undefined && NSFW_SHOWN.test(cookie)
  // Scripts ask for the main content alone ("load more"): a different answer for the same URL.
  const fragment = wantsFragment(request)
  // A script asking for JSON where a page would answer a browser: never handed the page.
  const json = wantsJson(request)
  return `${nsfwShown ? 'nsfw' : 'safe'}${fragment ? ' fragment' : ''}${json ? ' json' : ''} ${request.url}`
}

/** What a write touches: one post's tag, or everything. */
export function tagsWrittenBy(url: string): string[] | undefined {
  const path = url.split('?')[0] as string
  if (PRIVATE_WRITES.has(path)) return undefined
  const post = POST_WRITE.exec(path)
  const id = post && idFromShareKey(post[1] as string)
  return id ? [postTag(id)] : ['*']
}

export default fp(
  async (app) => {
    const cache = new PageCache(app.config.pageCacheSeconds * 1000)
    const listeners: Array<(tags: readonly string[]) => void> = [(tags) => cache.invalidate(tags)]
    // A cache that fails must not fail the page, nor keep the other caches from dropping theirs.
    const dropLocally = (tags: readonly string[]) => {
      for (const listener of listeners) {
        try {
          listener(tags)
        } catch (error) {
          app.log.error({ err: error, tags }, 'page cache: a cache did not drop its pages')
        }
      }
    }
    let invalidate = dropLocally
    if (cache.enabled && app.config.redisUrl) {
      const channel = await openTagChannel({
        url: app.config.redisUrl,
        name: `${app.config.redisPrefix}:page-cache`,
        label: 'page cache',
        log: app.log,
        heard: dropLocally,
      })
      invalidate = (tags) => {
        dropLocally(tags)
        void channel.publish(tags)
      }
      app.addHook('onClose', async () => channel.close())
    }
    app.decorate('pageCache', cache)
    app.decorate('onCacheInvalidation', (listener: (tags: readonly string[]) => void) => {
      listeners.push(listener)
    })

    app.decorateRequest('pageCacheKey', null)
    // Callback-style hooks: on the hottest path of the site, a promise per hook is a cost.
    app.addHook('onRequest', (request, reply, done) => {
      const cookie = request.headers.cookie
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !anonymous(cookie))
        return done()
      const key = cacheKey(request, cookie)
      let page: ReturnType<PageCache['get']>
      try {
        page = cache.get(key)
      } catch (error) {
        request.log.error({ err: error }, 'page cache: lookup failed, page served uncached')
        return done()
      }
      if (!page) {
        request.pageCacheKey = key
        return done()
      }
      // The same headers as the page had when it was rendered (views: vary).
      reply.header('etag', page.etag).header('vary', 'X-Fragment').header('x-page-cache', 'hit')
      if (request.headers['if-none-match'] === page.etag) reply.code(304).send()
      else reply.type('text/html; charset=utf-8').send(page.html)
    })

    app.decorateRequest('pageCacheCandidate', null)
    app.addHook('onSend', (request, reply, payload, done) => {
      const tags = reply.pageTags
      if (!request.pageCacheKey || !tags || reply.statusCode !== 200 || typeof payload !== 'string')
        return done(null, payload)
      const etag = `W/"${createHash('sha1').update(payload).digest('base64url')}"`
      request.pageCacheCandidate = { html: payload, etag, tags }
      reply.header('etag', etag)
      if (request.headers['if-none-match'] === etag) {
        reply.code(304)
        return done(null, '')
      }
      done(null, payload)
    })

    app.addHook('onResponse', (request, reply, done) => {
      const candidate = request.pageCacheCandidate
      // Stored once everything is sent: a page that started a session (a form's secret, set
      // by a hook after this plugin's) is this visitor's own.
      if (candidate && request.pageCacheKey && !reply.getHeader('set-cookie')) {
        try {
          cache.set(request.pageCacheKey, { ...candidate, html: Buffer.from(candidate.html) })
        } catch (error) {
          request.log.error({ err: error }, 'page cache: page not stored')
        }
      }
      if (request.method === 'POST' && reply.statusCode < 400) {
        const tags = tagsWrittenBy(request.url)
        if (tags) invalidate(tags)
      }
      done()
    })
  },
  { name: 'page-cache' },
)

declare module 'fastify' {
  interface FastifyInstance {
    pageCache: PageCache
    /** Other per-node caches keyed by post (raw files) drop what the page cache drops. */
    onCacheInvalidation(listener: (tags: readonly string[]) => void): void
  }
  interface FastifyRequest {
    /** Set for a visitor's GET that may be stored in (or was looked up in) the page cache. */
    pageCacheKey: string | null
    /** The rendered page, stored once the response is sent if it stayed anonymous. */
    pageCacheCandidate: { html: string; etag: string; tags: string[] } | null
  }
  interface FastifyReply {
    /** What the rendered page shows, as cache tags; set by reply.page(). */
    pageTags: string[] | undefined
  }
}
