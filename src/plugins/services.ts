// The product's services, built once per app and shared by every route.
import fp from 'fastify-plugin'
import { createMailer, type Mailer } from '../mail/mailer.js'
import { AccountService } from '../services/accounts.js'
import { sweepExpired } from '../services/housekeeping.js'

const SWEEP_EVERY_MS = 60 * 60 * 1000

export default fp(
  async (app) => {
    const mailer = createMailer(app.config, app.log)
    app.decorate('mailer', mailer)
    app.decorate('accounts', new AccountService(app.db, mailer))
    // Until the job queue exists, the web process sweeps expired rows itself.
    const sweep = setInterval(() => {
      sweepExpired(app.db).then(
        (removed) => app.log.debug(removed, 'swept expired sessions and tokens'),
        (error) => app.log.warn({ err: error }, 'sweeping expired rows failed'),
      )
    }, SWEEP_EVERY_MS)
    sweep.unref()
    app.addHook('onClose', async () => {
      clearInterval(sweep)
      await mailer.flush()
    })
  },
  { name: 'services', dependencies: ['database'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    mailer: Mailer
    accounts: AccountService
  }
}
