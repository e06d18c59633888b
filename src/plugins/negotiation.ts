// What a request asks the answer to be. Forms get pages and redirects; the site's scripts ask
// for JSON (actions) or for just the page's main content (X-Fragment: 1, "load more").
import type { FastifyRequest } from 'fastify'

/** True for scripts that asked for JSON rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

/** True when a script asked for a page's main content without the layout around it. */
export function wantsFragment(request: FastifyRequest): boolean {
  return request.headers['x-fragment'] === '1'
}
