// Where a `next` parameter may send the user after signing in: only a path on this site.
// Anything else (other hosts, protocol-relative or backslash tricks, schemes, control
// characters) lands on the home page.
export function safeNextPath(next: string | undefined, fallback = '/'): string {
  if (!next || next.length > 2000) return fallback
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001F\u007F]/.test(next)) return fallback
  let url: URL
  try {
    url = new URL(next, 'http://this.site')
  } catch {
    return fallback
  }
  if (url.origin !== 'http://this.site') return fallback
  return `${url.pathname}${url.search}${url.hash}`
}
