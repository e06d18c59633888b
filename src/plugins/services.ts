// The product's services, built once per app and shared by every route.
import fp from 'fastify-plugin'
import { createMailer, type Mailer } from '../mail/mailer.js'
import { AccountService } from '../services/accounts.js'

export default fp(
  async (app) => {
    const mailer = createMailer(app.config, app.log)
    app.decorate('mailer', mailer)
    app.decorate('accounts', new AccountService(app.db, mailer))
    app.addHook('onClose', async () => {
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
