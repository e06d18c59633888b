// Which requests the web process logs. nginx already writes an access line for every request,
// so the app logs only those worth a look: failures (5xx, or an error while answering) and
// slow answers, each with its request id, method and URL. Fastify's other lines (errors its
// own handler saw, broken streams) stay as they are.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'

/**
 * An answer slower than this is logged as a warning. Behind nginx, which buffers answers, the
 * time is the app's own, not a slow client's.
 */
export const SLOW_REQUEST_MS = 1000

export class RequestLog extends LogController {
  constructor(private readonly slowMs = SLOW_REQUEST_MS) {
    super()
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return
    const status = reply.statusCode
    const responseTime = reply.elapsedTime
    if (error || status >= 500) {
      reply.log.error(
        { req: request, res: reply, responseTime, ...(error ? { err: error } : {}) },
        error ? 'request errored' : 'request completed',
      )
    } else if (responseTime > this.slowMs) {
      reply.log.warn({ req: request, res: reply, responseTime }, 'slow request')
    }
  }
}
