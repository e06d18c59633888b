// Refuses a request that carries more than one Host header, before any route sees it. Node
// keeps the first and drops the rest, while a proxy or cache in front may have used another:
// two parts of the stack disagreeing about the host is how cache poisoning and links to a
// stranger's host begin. nginx refuses the same requests; this holds where the app is reached
// without it (embedded mode, a misrouted port).
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import { ServiceError } from '../services/errors.js'

function hostHeaders(rawHeaders: readonly string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 4 && name.toLowerCase() === 'host') count++
  }
  return count
}

export default fp(
  async (app) => {
    app.addHook(
      'onRequest',
      (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
        if (hostHeaders(request.raw.rawHeaders) > 1)
          return done(new ServiceError(400, 'A request may carry only one Host header.'))
        done()
      },
    )
  },
  { name: 'host-header' },
)
