// Rate limits for the routes that attackers hammer (sign-in, sign-up, password reset). Counts
// live in Redis when REDIS_URL is set, so every node shares them; in memory otherwise.
// A Redis outage lets requests through rather than locking everyone out.
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import type { RateLimit } from '../config.js'

export class TooManyRequestsError extends Error {
  readonly code = 'RATE_LIMITED'
  constructor(
    readonly statusCode: number,
    readonly retryAfter: string,
  ) {
    super(`Too many attempts. Please wait ${retryAfter} and try again.`)
  }
}

export default fp(
  async (app) => {
    let redis: Redis | undefined
    if (app.config.redisUrl) {
      redis = new Redis(app.config.redisUrl, {
        connectTimeout: 1000,
        maxRetriesPerRequest: 1,
        // Fail at once while Redis is away instead of queueing behind a request.
        enableOfflineQueue: false,
        lazyConnect: false,
      })
      redis.on('error', (error) => app.log.warn({ err: error }, 'rate-limit redis error'))
      app.addHook('onClose', async () => {
        redis?.disconnect()
      })
    }
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: 'mlkshk:rate-limit:' } : {}),
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(context.statusCode, context.after),
    })
  },
  { name: 'rate-limit' },
)

/** Route config that applies one of the configured limits to a route. */
export function limitedTo(limit: RateLimit): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000 } }
}
