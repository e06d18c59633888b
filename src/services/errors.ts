// Errors a service raises for the user to read. Routes turn them into pages with their status.

/** A refusal with a message meant for the user and the HTTP status that fits it. */
export class ServiceError extends Error {
  override name = 'ServiceError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Bad form input: one message per field, shown next to that field. */
export class ValidationError extends ServiceError {
  override name = 'ValidationError'
  constructor(
    readonly fields: Readonly<Record<string, string>>,
    status = 400,
  ) {
    super(status, Object.values(fields)[0] ?? 'Please check the form.')
  }
}

/**
 * Past a rate limit: status 429 (or what the limiter chose), and how long to wait, in words for
 * people and, when known, in seconds for Retry-After.
 */
export class TooManyRequestsError extends Error {
  readonly code = 'RATE_LIMITED'
  constructor(
    readonly statusCode: number,
    readonly retryAfter: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`Too many attempts. Please wait ${retryAfter} and try again.`)
  }

  static after(seconds: number): TooManyRequestsError {
    const words =
      seconds < 60
        ? `${seconds} second${seconds === 1 ? '' : 's'}`
        : `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? '' : 's'}`
    return new TooManyRequestsError(429, words, seconds)
  }
}

/**
 * For `.catch()` where "there is no such thing" is an answer (undefined) and every other
 * failure (the database down, a bug) must stay a failure, not turn into a 404.
 */
export function unlessNotFound(error: unknown): undefined {
  if (error instanceof ServiceError && error.status === 404) return undefined
  throw error
}
