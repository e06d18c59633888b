// The worker process: runs queued jobs and scheduled jobs (BullMQ on Redis), and relays outbox
// rows. Closes gracefully on SIGTERM: jobs in hand finish, the rest wait in Redis.
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { loadProcessConfig } from './config.js'
import { checkDatabase, DatabaseUnavailableError } from './db/connection-check.js'
import { openDatabase } from './db/database.js'
import { pendingMigrations } from './db/migrator.js'
import { createJobRuntime } from './jobs/runtime.js'
import {
  flushErrorReports,
  reportError,
  startErrorReporting,
} from './observability/error-reports.js'
import { Metrics } from './observability/metrics.js'
import { startMetricsServer } from './observability/metrics-server.js'
import { registerSiteGauges } from './observability/site-gauges.js'
import { failStartup } from './observability/startup-failure.js'

const config = loadProcessConfig()
await startErrorReporting(config, 'worker')
const log = pino({ level: config.logLevel, name: 'worker' })
if (!config.redisUrl) {
  console.error(
    'REDIS_URL is not set: in embedded mode the web process runs the jobs itself, no worker is needed',
  )
  process.exit(1)
}
const db = openDatabase(config.database)
await checkDatabase(db, config.database).catch((error: unknown) =>
  error instanceof DatabaseUnavailableError ? failStartup(log, error) : Promise.reject(error),
)
const pending = await pendingMigrations(db)
if (pending.length > 0) {
  console.error(`The database needs migrating first (npm run migrate): ${pending.join(', ')}`)
  process.exit(1)
}
const metrics = new Metrics('worker')
const runtime = await createJobRuntime(config, db, log, { role: 'worker', metrics })
registerSiteGauges(metrics, { db, queueHealth: () => runtime.queueHealth() })
const metricsServer =
  config.metrics.workerPort > 0
    ? await startMetricsServer(metrics, config.metrics, config.host)
    : undefined

closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) {
    log.error({ err }, 'closing after an uncaught error')
    reportError(err, { process: 'uncaught' })
    // Before anything else: closing may hang, and the process is about to end.
    await flushErrorReports()
  } else log.info({ signal }, 'closing')
  await metricsServer?.close()
  await runtime.close()
  await db.destroy()
  await flushErrorReports()
})
log.info({ metricsPort: metricsServer?.port }, 'worker running')
