// Rate limits for the routes that attackers hammer (sign-in, sign-up, password reset), per-user
// limits on every kind of write (app.writeLimits), and the per-account sign-in brake
// (app.signIns). Counts live in Redis when
// REDIS_URL is set, so every node shares them; in memory otherwise.
// A Redis outage lets requests through rather than locking everyone out.
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { type RateLimit, type WriteAction, writeActions } from '../config.js'
import { TooManyRequestsError } from '../services/errors.js'
import { KnownDevices } from '../services/known-devices.js'
import { SignInThrottle } from '../services/sign-in-throttle.js'
import { WriteLimits } from '../services/write-limits.js'

export default fp(
  async (app) => {
    const redis = app.redis
    await app.register(rateLimit, {
      global: false,
      ...(redis ? { redis, nameSpace: `${app.config.redisPrefix}:rate-limit:` } : {}),
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(context.statusCode, context.after),
    })
    // One set of counters per kind of write, whichever route (page, script or API) does it:
    // liking and unliking draw on one budget.
    const limits = new WriteLimits(
      app.config.writeLimits,
      { redis, prefix: `${app.config.redisPrefix}:write-limit` },
      app.log,
    )
    const countWrite = (action: WriteAction, request: FastifyRequest) =>
      limits.count(action, writerOf(request))
    const writeLimits = {} as Record<WriteAction, preHandlerAsyncHookHandler[]>
    for (const action of writeActions) {
      writeLimits[action] = [
        async (request) => {
          await countWrite(action, request)
        },
      ]
    }
    app.decorate('writeLimits', writeLimits)
    app.decorate('countWrite', countWrite)
    app.decorate('signIns', {
      throttle: new SignInThrottle(
        app.config.signInThrottle,
        { redis, prefix: `${app.config.redisPrefix}:sign-in` },
        app.log,
      ),
      devices: new KnownDevices(app.config.sessionSecret),
    })
  },
  { name: 'rate-limit', dependencies: ['redis'] },
)

/** Who is writing: the signed-in user, the API token's user, or else the address. */
function writerOf(request: FastifyRequest): string {
  const userId = request.user?.id ?? request.caller?.user.id
  return userId === undefined ? `ip:${request.ip}` : `user:${userId}`
}

/** Route config that applies one of the configured limits to a route, per client address. */
export function limitedTo(limit: RateLimit): { rateLimit: RateLimitOptions } {
  return { rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000 } }
}

/** The same, counted per signed-in user: people behind one address do not share a budget. */
export function limitedPerUser(limit: RateLimit): { rateLimit: RateLimitOptions } {
  return {
    rateLimit: {
      ...limitedTo(limit).rateLimit,
      keyGenerator: (request: FastifyRequest) =>
        request.user ? `user:${request.user.id}` : request.ip,
    },
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * preHandlers that count one write of each kind against its writer's limits (run them
     * after requireUser and the CSRF check, so only real attempts count).
     */
    writeLimits: Readonly<Record<WriteAction, preHandlerAsyncHookHandler[]>>
    /**
     * The same count, for a route that does its reads while it runs (likes): rejects with a
     * 429 once a window is full; nothing may be written before it settles.
     */
    countWrite(action: WriteAction, request: FastifyRequest): Promise<void>
    /** The per-account brake on wrong passwords, and the browsers that signed in before. */
    signIns: { throttle: SignInThrottle; devices: KnownDevices }
  }
}
