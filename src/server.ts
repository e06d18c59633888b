// The web process: load the config, build the app, listen; close gracefully on a signal.
import closeWithGrace from 'close-with-grace'
import { createServer } from './app.js'
import { loadProcessConfig } from './config.js'

const config = loadProcessConfig()

const app = await createServer(config)

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing')
  await app.close()
})

await app.listen({ port: config.port, host: config.host })
if (config.embedded)
  app.log.info(`MLKSHK is running at ${config.baseUrl} (data in ${config.dataDir})`)
