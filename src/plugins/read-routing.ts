// Which requests may read from a replica (only when DATABASE_REPLICA_URLS is set). Every request
// starts on the primary, so its session and token are looked up there (a sign-out or a new
// token counts at once). Once the request knows who is asking, a GET or HEAD reads from a fit
// replica unless that person wrote in the last few seconds. A write marks its author before
// its answer leaves, so the next page, on whichever node, shows it.
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { openReplicaCheck, replicaSetOf } from '../db/database.js'
import { type ReadIntent, withReadIntent } from '../db/read-intent.js'
import { RecentWriters } from '../services/recent-writers.js'
import { ReplicaMonitor } from '../services/replica-monitor.js'

const READS = new Set(['GET', 'HEAD'])

export default fp(
  async (app) => {
    const replicas = replicaSetOf(app.db)
    // Present (0) without replicas too, so the alert on it can be checked on any site.
    app.metrics.gauge(
      'mlkshk_replicas_unfit',
      'Read replicas taking no reads: lagging, not replicating or unreachable',
      [],
      (set) => set({}, replicas?.report().filter((r) => !r.fit).length ?? 0),
    )
    if (!replicas) return
    app.metrics.gauge(
      'mlkshk_replica_lag_seconds',
      "Each replica's lag behind the primary at its last check (absent when unknown)",
      ['replica'],
      (set) => {
        for (const r of replicas.report())
          if (r.lagSeconds !== null) set({ replica: r.name }, r.lagSeconds)
      },
    )
    const checked = replicas.replicas.map((r) => ({
      name: r.name,
      db: openReplicaCheck(r.url),
    }))
    const monitor = new ReplicaMonitor(replicas, checked, app.log)
    const redis = app.redis
    // Longer than the most a fit replica may lag, with a check interval and rounding to spare.
    const writers = new RecentWriters(
      (app.config.replicas.maxLagSeconds + 2) * 1000,
      redis ? { client: redis, prefix: app.config.redisPrefix } : undefined,
    )
    await monitor.start()
    app.addHook('onClose', async () => {
      await monitor.stop()
      await Promise.all(checked.map((r) => r.db.destroy()))
    })

    const intents = new WeakMap<FastifyRequest, ReadIntent>()
    app.addHook('onRequest', (request, _reply, done) => {
      const intent: ReadIntent = { replica: false }
      intents.set(request, intent)
      withReadIntent(intent, done)
    })
    app.addHook('preHandler', async (request) => {
      const intent = intents.get(request)
      if (!intent || !READS.has(request.method)) return
      const userId = personOf(request)
      if (userId !== undefined && (await writers.wroteRecently(userId))) return
      intent.replica = true
    })
    app.addHook('onSend', async (request, _reply, payload) => {
      // Work the request leaves behind reads from the primary.
      const intent = intents.get(request)
      if (intent) intent.replica = false
      const wrote = intent?.wrote === true
      if (!wrote && (READS.has(request.method) || request.method === 'OPTIONS')) return payload
      const userId = personOf(request)
      if (userId !== undefined)
        await writers.wrote(userId).catch((error: unknown) => {
          request.log.warn({ err: error }, 'recent writers: not recorded')
        })
      return payload
    })
  },
  { name: 'read-routing', dependencies: ['database', 'metrics', 'redis'] },
)

/** The signed-in user, the one just signed in, or the API token's user. */
function personOf(request: FastifyRequest): number | undefined {
  return request.user?.id ?? request.session?.userId ?? request.caller?.user.id
}
