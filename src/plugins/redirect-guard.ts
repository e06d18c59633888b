// The last word on every relative redirect the site sends: a Location that a browser would
// read as another host (`//evil.example`, `/\evil.example`, or a path that normalises into one)
// is replaced by the home page, whichever route built it. `next` parameters are checked where
// they are read; this catches a route that builds a Location from user input and forgets to.
// Absolute Locations are left alone: they are the OAuth redirects to a client's registered URI.
import fp from 'fastify-plugin'
import { isLocalPath } from '../services/redirect-rules.js'

export default fp(
  async (app) => {
    app.addHook('onSend', (request, reply, payload, done) => {
      const location = reply.getHeader('location')
      if (typeof location === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(location)) {
        if (!isLocalPath(location)) {
          request.log.warn({ location: location.slice(0, 200) }, 'off-site redirect refused')
          reply.header('location', '/')
        }
      }
      done(null, payload)
    })
  },
  { name: 'redirect-guard' },
)
