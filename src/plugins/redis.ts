// The web process's Redis client for small shared state (rate-limit counts, recent writers),
// when REDIS_URL is set: one connection for all of it. It fails fast while Redis is away (no
// offline queue), so a Redis outage costs a request a log line, never a wait.
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'

export default fp(
  async (app) => {
    if (!app.config.redisUrl) {
      app.decorate('redis', undefined)
      return
    }
    // Loaded only with REDIS_URL: an embedded site keeps such state in memory.
    const { Redis: RedisClient } = await import('ioredis')
    const redis = new RedisClient(app.config.redisUrl, {
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      // A write counts in two or more windows at once, and writes arrive together: commands
      // sent in the same tick leave in one socket write (measured: a third of the rate
      // limiter's CPU per like was the separate writes).
      enableAutoPipelining: true,
    })
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis error'))
    app.decorate('redis', redis)
    app.addHook('onClose', async () => {
      redis.disconnect()
    })
    // Without the offline queue, commands sent before the connection is up would fail; wait
    // for it briefly. A Redis that is down does not stop the site.
    if (!(await connected(redis, 2000))) {
      app.log.warn('Redis is not reachable: rate limits are not enforced until it is')
    }
  },
  { name: 'redis' },
)

function connected(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs)
    const onReady = () => finish(true)
    const onError = () => finish(false)
    function finish(ok: boolean) {
      clearTimeout(timer)
      redis.off('ready', onReady)
      redis.off('error', onError)
      resolve(ok)
    }
    redis.once('ready', onReady)
    redis.once('error', onError)
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared Redis client, when REDIS_URL is set. */
    redis: Redis | undefined
  }
}
