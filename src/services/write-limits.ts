// Per-writer limits on every kind of write (comments, likes, saves, follows, shakes,
// invitations, API writes), each a list of windows: a burst a person never reaches and a
// sustained rate a script always does. Counted in Redis when the site has it, so every node
// shares the counts; in memory otherwise. rate-limiter-flexible keeps the counters, because
// @fastify/rate-limit runs only the first of several limits on one request.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { type RateLimit, type WriteAction, writeActions } from '../config.js'
import { TooManyRequestsError } from './errors.js'
import { type LimiterLog, type LimiterStore, limiter, secondsToWait } from './limiter-store.js'

export class WriteLimits {
  private readonly windows: Record<WriteAction, RateLimiterAbstract[]>

  constructor(
    limits: Readonly<Record<WriteAction, readonly RateLimit[]>>,
    store: LimiterStore,
    private readonly log: LimiterLog,
  ) {
    this.windows = {} as Record<WriteAction, RateLimiterAbstract[]>
    for (const action of writeActions) {
      this.windows[action] = limits[action].map((limit, window) =>
        limiter(store, `${action}:${window}`, { points: limit.max, duration: limit.windowSeconds }),
      )
    }
  }

  /**
   * Counts one write by this writer; throws TooManyRequestsError, with the seconds to wait,
   * once any window is full. A store that cannot be reached lets the write through (and says
   * so in the log) rather than stopping everyone from writing.
   */
  async count(action: WriteAction, writer: string): Promise<void> {
    // The windows side by side: one round trip to Redis in time, not one per window.
    const outcomes = await Promise.allSettled(
      this.windows[action].map((window) => window.consume(writer)),
    )
    let waitMs = 0
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') continue
      if (outcome.reason instanceof RateLimiterRes)
        waitMs = Math.max(waitMs, outcome.reason.msBeforeNext)
      else
        this.log.warn({ err: outcome.reason, action }, 'write limit not checked: its store is away')
    }
    if (waitMs > 0) throw TooManyRequestsError.after(secondsToWait(waitMs))
  }
}
