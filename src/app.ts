// Builds the web application: Fastify with every plugin and route registered, not listening.
// server.ts listens; tests call createServer() and use inject().
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { KyselyPlugin } from 'kysely'
import type { Config } from './config.js'
import { loggerOptions } from './logger.js'
import { RequestLog } from './observability/request-log.js'
import authPlugin from './plugins/auth.js'
import databasePlugin from './plugins/database.js'
import errorsPlugin, { answerUnroutable } from './plugins/errors.js'
import formsPlugin from './plugins/forms.js'
import hostHeaderPlugin from './plugins/host-header.js'
import metricsPlugin from './plugins/metrics.js'
import multipartPlugin from './plugins/multipart.js'
import pageCachePlugin from './plugins/page-cache.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import readRoutingPlugin from './plugins/read-routing.js'
import redirectGuardPlugin from './plugins/redirect-guard.js'
import redisPlugin from './plugins/redis.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import servicesPlugin from './plugins/services.js'
import sessionPlugin from './plugins/session.js'
import sessionCachePlugin from './plugins/session-cache.js'
import staticPlugin from './plugins/static.js'
import templatesPlugin from './plugins/templates.js'
import accountRoutes from './routes/accounts.js'
import apiRoutes from './routes/api/index.js'
import apiPages from './routes/api/pages.js'
import avatarRoutes from './routes/avatars.js'
import feedRoutes from './routes/feeds.js'
import followRoutes from './routes/follows.js'
import healthRoutes from './routes/health.js'
import legacyAddressRoutes from './routes/legacy-addresses.js'
import moderationRoutes from './routes/moderation.js'
import nsfwRoutes from './routes/nsfw.js'
import operatorRoutes from './routes/operator.js'
import passwordResetRoutes from './routes/password-reset.js'
import postRoutes from './routes/posts.js'
import privacyRoutes from './routes/privacy.js'
import rawRoutes from './routes/raw.js'
import reportRoutes from './routes/reports.js'
import settingsRoutes from './routes/settings.js'
import shakeRoutes from './routes/shakes.js'
import sitePageRoutes from './routes/site-pages.js'
import socialRoutes from './routes/social.js'
import streamRoutes from './routes/streams.js'
import uploadRoutes from './routes/upload.js'
import userRoutes from './routes/users.js'
import videoLinkRoutes from './routes/video-links.js'
import yourDataRoutes from './routes/your-data.js'

export interface ServerOptions {
  /** Kysely plugins that see every query of the app (tests count queries with one). */
  queryPlugins?: KyselyPlugin[]
  /** Where the log goes instead of stdout (tests read what a node logged). */
  logStream?: { write(line: string): void }
}

export async function createServer(
  config: Config,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // Failures and slow requests only: nginx logs every request already.
    logController: new RequestLog(),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    // Forms are small; uploads get their own limits on their routes.
    bodyLimit: 1024 * 1024,
    requestTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: answerUnroutable,
  })
  app.decorate('config', config)
  app.decorate('draining', false)
  // Every route as registered, so the security suite can prove that each state-changing one
  // checks CSRF: a route added later cannot slip past it.
  const routeTable: RegisteredRoute[] = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url })
  })

  await app.register(databasePlugin, { queryPlugins: options.queryPlugins ?? [] })
  // Before every route: its hook times them all.
  await app.register(metricsPlugin)
  // Before the services: the account service brakes sign-ins with its counters.
  await app.register(redisPlugin)
  await app.register(readRoutingPlugin)
  await app.register(rateLimitPlugin)
  await app.register(sessionCachePlugin)
  await app.register(servicesPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(redirectGuardPlugin)
  await app.register(templatesPlugin)
  await app.register(errorsPlugin)
  await app.register(hostHeaderPlugin)
  // Health checks and static files need no session: they stay outside the site context.
  await app.register(healthRoutes)
  await app.register(staticPlugin)
  // The JSON API: bearer tokens only, outside the site context so no cookie is ever read.
  // Its pages (developers, consent, connections) need the session: apiPages, below.
  await app.register(apiRoutes)

  await app.register(async (site) => {
    // First: a cached page for a visitor is sent before any other work.
    await site.register(pageCachePlugin)
    await site.register(formsPlugin)
    await site.register(multipartPlugin)
    await site.register(sessionPlugin)
    await site.register(authPlugin)
    await site.register(streamRoutes)
    await site.register(accountRoutes)
    await site.register(passwordResetRoutes)
    await site.register(settingsRoutes)
    await site.register(userRoutes)
    await site.register(uploadRoutes)
    await site.register(videoLinkRoutes)
    await site.register(postRoutes)
    await site.register(avatarRoutes)
    // Raw files live in the site context so that the owner's own looks are not counted as
    // views; a request without a session cookie costs no session lookup.
    await site.register(rawRoutes)
    await site.register(socialRoutes)
    await site.register(followRoutes)
    await site.register(feedRoutes)
    await site.register(nsfwRoutes)
    await site.register(operatorRoutes)
    await site.register(moderationRoutes)
    await site.register(reportRoutes)
    await site.register(apiPages)
    await site.register(privacyRoutes)
    await site.register(sitePageRoutes)
    await site.register(yourDataRoutes)
    await site.register(legacyAddressRoutes)
    // Last: /:shake matches any single segment the other routes leave free.
    await site.register(shakeRoutes)
  })
  return app
}

export interface RegisteredRoute {
  method: string
  url: string
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: readonly RegisteredRoute[]
    config: Config
    /** True once shutdown began: the health check answers 404 so traffic moves elsewhere. */
    draining: boolean
  }
}
