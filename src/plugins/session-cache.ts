// The node's copies of members' sessions and accounts (services/session-cache.ts), with the
// channel on which the nodes drop each other's copies. App-wide: the services that change an
// account drop its copies, and the session store keeps and drops them.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { SessionWithUser } from '../repositories/sessions.js'
import { SessionCache } from '../services/session-cache.js'
import { openTagChannel } from '../services/tag-channel.js'

export default fp(
  async (app) => {
    app.decorate('sessionCache', await openSessionCache(app))
  },
  { name: 'session-cache' },
)

/**
 * The node's copies of sessions, kept only while every process that could change one can tell
 * this one: while subscribed to the channel in Redis. Without Redis, none: even one SQLite file
 * may have several processes on it, and there a session read is a call, not a round trip.
 */
async function openSessionCache(app: FastifyInstance): Promise<SessionCache<SessionWithUser>> {
  const { config } = app
  const ttlMs = config.sessionCacheSeconds * 1000
  if (ttlMs === 0 || !config.redisUrl) {
    if (ttlMs > 0)
      app.log.info('session cache off: without REDIS_URL no node could drop its copies')
    return new SessionCache(0)
  }
  const cache = new SessionCache<SessionWithUser>(ttlMs)
  const channel = await openTagChannel({
    url: config.redisUrl,
    name: `${config.redisPrefix}:session-cache`,
    label: 'session cache',
    log: app.log,
    heard: (tags) => cache.heard(tags),
    hearing: (hearing) => cache.setHearing(hearing),
    // A sign-out is answered only once every node has dropped its copy of the session.
    confirmed: true,
  })
  cache.connect(async (tags) => {
    if (!(await channel.publish(tags))) app.metrics.sessionDropsUnconfirmed.inc()
  })
  app.addHook('onClose', async () => channel.close())
  return cache
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionCache: SessionCache<SessionWithUser>
  }
}
