// The per-account brake on guessing passwords (OWASP ASVS V2.2.1), on top of the per-address
// limit: a few free failures, then a growing pause before the next try (2 s, 4 s, 8 s ... up
// to a minute), then a lock of the account for a while, announced to its owner by mail. It
// is keyed by what the attempts aim at (an account, or the login as typed when no account has
// it, so an unknown name is braked exactly like a known one), and a browser the owner signed
// in with before is braked on its own key: a flood from elsewhere never locks the owner out
// of it. Counts live in Redis when the site has it, so every node sees the same failures.
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import type { SignInThrottleRules } from '../config.js'
import { TooManyRequestsError } from './errors.js'
import { type LimiterLog, type LimiterStore, limiter, secondsToWait } from './limiter-store.js'

/** The pause the nth try in a row claims before the next may come (0 while tries are free). */
export function pauseAfter(failures: number, rules: SignInThrottleRules): number {
  if (failures <= rules.freeFailures) return 0
  return Math.min(2 ** (failures - rules.freeFailures), rules.maxPauseSeconds)
}

/** Refused while the key is paused or locked; `locked` on the try that locked it. */
export class SignInBrakeError extends TooManyRequestsError {
  constructor(
    seconds: number,
    readonly locked: boolean,
  ) {
    const wait = TooManyRequestsError.after(seconds)
    super(wait.statusCode, wait.retryAfter, seconds)
  }
}

export class SignInThrottle {
  /** Every try in a row that did not sign in, until the lock. */
  private readonly tries: RateLimiterAbstract
  /** The pause a try claims for the next one: one point, for as long as the pause lasts. */
  private readonly pauses: RateLimiterAbstract

  constructor(
    readonly rules: SignInThrottleRules,
    store: LimiterStore,
    private readonly log: LimiterLog,
  ) {
    this.tries = limiter(store, 'tries', {
      points: rules.lockAfter - 1,
      duration: rules.windowSeconds,
      blockDuration: rules.lockSeconds,
    })
    this.pauses = limiter(store, 'pause', { points: 1, duration: 1 })
  }

  /**
   * Counts a try against the key before its password is checked, so that tries sent side by
   * side cannot all pass one check. Throws SignInBrakeError while a pause or the lock holds;
   * a refused try counts too, so hammering through a pause only brings the lock nearer.
   */
  async begin(key: string): Promise<void> {
    let tries: number
    try {
      tries = (await this.tries.consume(key)).consumedPoints
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) return this.storeAway(outcome)
      // Past lockAfter - 1 points the limiter blocks the key for lockSeconds: the lock.
      throw new SignInBrakeError(
        secondsToWait(outcome.msBeforeNext),
        outcome.consumedPoints === this.rules.lockAfter,
      )
    }
    const pause = pauseAfter(tries, this.rules)
    if (pause === 0) return
    try {
      await this.pauses.consume(key, 1, { customDuration: pause })
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) return this.storeAway(outcome)
      throw new SignInBrakeError(secondsToWait(outcome.msBeforeNext), false)
    }
  }

  /** Forgets the tries of these keys (a sign-in or a password reset proved the owner). */
  async forgive(...keys: string[]): Promise<void> {
    await Promise.all(
      keys.flatMap((key) => [this.tries.delete(key), this.pauses.delete(key)]),
    ).catch((error) => this.storeAway(error))
  }

  /** A store that cannot be reached lets sign-in go on, braked by the per-address limit only. */
  private storeAway(error: unknown): void {
    this.log.warn({ err: error }, 'sign-in throttle not checked: its store is away')
  }
}
