// /static: stylesheets, scripts and images shipped with the site. nginx serves the same
// folder in production; here the app does it for embedded mode.
import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import { staticDir } from '../paths.js'

export default fp(
  async (app) => {
    await app.register(fastifyStatic, {
      root: staticDir,
      prefix: '/static/',
      index: false,
      // File names do not carry a hash yet, so keep caching short but revalidatable.
      maxAge: app.config.env === 'production' ? '1h' : 0,
    })
    // Browsers and feed readers ask for /favicon.ico whatever the page links: the site's icon,
    // rather than a 404 in every log and console.
    app.get('/favicon.ico', (_request, reply) =>
      reply.sendFile('images/icon.svg', { maxAge: '1d' }),
    )
  },
  { name: 'static' },
)
