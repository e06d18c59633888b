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
  },
  { name: 'static' },
)
