// What an error report may carry: nothing that signs someone in or proves who they are. Applied
// to every event and breadcrumb before it leaves the process, whatever code produced it.

const sensitiveKey =
  /pass(word)?|secret|token|cookie|authori[sz]ation|session|csrf|api[-_]?key|dsn|credential/i

// One-time tokens travel in paths (/verify-email/TOKEN); query strings may hold anything.
const tokenInPath = /\/(verify-email|reset-password)\/[^/?#\s]+/g
const queryString = /(https?:\/\/[^\s?#]+|\/[^\s?#]*)\?[^\s#]*/g
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi

export const FILTERED = '[Filtered]'

export function scrubText(text: string): string {
  return text
    .replace(tokenInPath, `/$1/${FILTERED}`)
    .replace(queryString, '$1')
    .replace(bearer, `$1 ${FILTERED}`)
}

/** A deep copy with sensitive keys blanked and tokens cut out of every string. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value)
  if (depth > 12 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = sensitiveKey.test(key) ? FILTERED : scrubValue(inner, depth + 1)
  }
  return copy
}

interface ScrubbableEvent {
  request?: { method?: string; url?: string }
  user?: { id?: string | number }
}

/**
 * The event as it may be sent: the request reduced to method and path (no headers, cookies,
 * body or query), the user reduced to an id, and every other field scrubbed.
 */
export function scrubEvent<E extends ScrubbableEvent>(event: E): E {
  const { request, user, ...rest } = event
  const scrubbed = scrubValue(rest) as E
  if (request) {
    scrubbed.request = {
      ...(request.method ? { method: request.method } : {}),
      ...(request.url ? { url: scrubText(request.url) } : {}),
    }
  }
  if (user?.id !== undefined) scrubbed.user = { id: user.id }
  return scrubbed
}
