// Who may read the metrics. They show the site's shape (routes, queues, load), never user
// data, but they are still not for everyone: a scraper that connects directly from an
// allowed address (METRICS_ALLOW, loopback by default), or one that shows METRICS_TOKEN.
// A request that came through a proxy (nginx, HAProxy) is judged by its token only: on a
// node, nginx connects from loopback on behalf of anyone on the internet.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { MetricsConfig } from '../config.js'
import { addressList, listed } from '../services/address-list.js'

export interface MetricsRequest {
  /** The address of the socket's peer, not a forwarded one. */
  peer: string | undefined
  headers: Record<string, string | string[] | undefined>
}

const proxyHeaders = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via']

export function metricsAccess(config: MetricsConfig): (request: MetricsRequest) => boolean {
  const allowed = addressList(config.allow)
  const token = config.token ? digest(config.token) : undefined
  return (request) => {
    const authorization = request.headers.authorization
    if (token && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
      return timingSafeEqual(digest(authorization.slice('Bearer '.length)), token)
    }
    if (proxyHeaders.some((name) => request.headers[name] !== undefined)) return false
    return listed(allowed, request.peer)
  }
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
