// Where the site's counters of tries and writes live: Redis when the site has it (every node
// shares the counts), memory otherwise. Shared by the write limits and the sign-in brake.
import type { Redis } from 'ioredis'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible'

export interface LimiterStore {
  redis?: Redis | undefined
  prefix: string
}

export interface LimiterLog {
  warn(obj: object, msg: string): void
}

/** A counter of `points` per `duration` seconds under the store's prefix and this name. */
export function limiter(
  store: LimiterStore,
  name: string,
  options: { points: number; duration: number; blockDuration?: number },
): RateLimiterAbstract {
  const keyPrefix = `${store.prefix}:${name}`
  return store.redis
    ? new RateLimiterRedis({
        ...options,
        keyPrefix,
        storeClient: store.redis,
        // Fail at once while Redis is away: the callers let the request through.
        rejectIfRedisNotReady: true,
      })
    : new RateLimiterMemory({ ...options, keyPrefix })
}

/** Whole seconds to wait, at least one, for Retry-After. */
export function secondsToWait(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
