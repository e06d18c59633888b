// The web process: load the config, build the app, listen; close gracefully on a signal.
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { createServer } from './app.js'
import { loadProcessConfig } from './config.js'
import { DatabaseUnavailableError } from './db/connection-check.js'
import { loggerOptions } from './logger.js'
import {
  flushErrorReports,
  reportError,
  startErrorReporting,
} from './observability/error-reports.js'
import { failStartup } from './observability/startup-failure.js'

const config = loadProcessConfig()
await startErrorReporting(config, 'web')

const app = await createServer(config).catch((error: unknown) => {
  if (!(error instanceof DatabaseUnavailableError)) throw error
  return failStartup(pino(loggerOptions(config) as pino.LoggerOptions), error)
})

// On SIGTERM: answer the health check with 404 so HAProxy stops sending new requests, wait
// DRAIN_SECONDS for it to notice, then close (in-flight requests finish), then the pools.
closeWithGrace({ delay: (config.drainSeconds + 20) * 1000 }, async ({ signal, err }) => {
  if (err) {
    app.log.error({ err }, 'closing after an uncaught error')
    reportError(err, { process: 'uncaught' })
    // Before anything else: closing may hang, and the process is about to end.
    await flushErrorReports()
  } else app.log.info({ signal, drainSeconds: config.drainSeconds }, 'draining')
  app.draining = true
  if (!err && config.drainSeconds > 0)
    await new Promise((resolve) => setTimeout(resolve, config.drainSeconds * 1000))
  await app.close()
  await flushErrorReports()
})

await app.listen({ port: config.port, host: config.host })
if (config.embedded)
  app.log.info(
    `MLKSHK is running at ${config.baseUrl} (data in ${config.dataDir}, mode ${config.mode})`,
  )
