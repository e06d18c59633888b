// The worker has no web server of its own: this small one answers GET /metrics on
// WORKER_METRICS_PORT, under the same access rule as the web process's /metrics.
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MetricsConfig } from '../config.js'
import type { Metrics } from './metrics.js'
import { metricsAccess } from './metrics-access.js'

export interface MetricsServer {
  port: number
  close(): Promise<void>
}

export async function startMetricsServer(
  metrics: Metrics,
  config: MetricsConfig,
  host: string,
): Promise<MetricsServer> {
  const mayRead = metricsAccess(config)
  metrics.collectProcessMetrics()
  const server = http.createServer((request, response) => {
    const answer = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
    }
    const url = new URL(request.url ?? '/', 'http://worker')
    if (request.method !== 'GET' || url.pathname !== '/metrics')
      return answer(404, 'text/plain', 'Not found\n')
    if (!mayRead({ peer: request.socket.remoteAddress, headers: request.headers }))
      return answer(403, 'text/plain', 'Metrics are not public.\n')
    metrics.text().then(
      (text) => answer(200, metrics.contentType, text),
      () => answer(500, 'text/plain', 'The metrics could not be read.\n'),
    )
  })
  server.listen(config.workerPort, host)
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
