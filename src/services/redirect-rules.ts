// The one rule for where this site sends a browser with a relative Location: a path on this
// site. It is applied to the path as it will be sent, after URL parsing has collapsed dot
// segments and turned backslashes into slashes: `/.//evil.example` passes every test on the
// way in and comes out as `//evil.example`, which a browser reads as another host.

const SENTINEL_ORIGIN = 'http://this.site'

/**
 * True when a browser resolving this Location stays on the site that sent it: it starts with
 * exactly one slash (not `//`, not `/\`), carries no control characters or white space, and
 * resolves on this site's origin.
 */
export function isLocalPath(location: string): boolean {
  if (!/^\/(?![/\\])/.test(location)) return false
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001F\u007F\s\u2028\u2029]/.test(location)) return false
  try {
    const url = new URL(location, SENTINEL_ORIGIN)
    return url.origin === SENTINEL_ORIGIN
  } catch {
    return false
  }
}

/**
 * Where a `next` parameter may send the user: the path it names on this site, normalised
 * as a browser would normalise it, or the fallback when that path would leave the site or
 * cannot be read (other hosts, protocol-relative or backslash tricks, schemes, dot segments
 * that collapse into `//`, control characters, anything over 2,000 characters).
 */
export function safeNextPath(next: string | undefined, fallback = '/'): string {
  if (!next || next.length > 2000 || !next.startsWith('/')) return fallback
  // What a browser would silently drop or turn into a slash is refused, not repaired.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001F\u007F\s\u2028\u2029\\]/.test(next)) return fallback
  let url: URL
  try {
    url = new URL(next, SENTINEL_ORIGIN)
  } catch {
    return fallback
  }
  if (url.origin !== SENTINEL_ORIGIN) return fallback
  const path = `${url.pathname}${url.search}${url.hash}`
  return isLocalPath(path) ? path : fallback
}
