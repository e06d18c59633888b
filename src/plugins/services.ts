// The product's services, built once per app and shared by every route.
import fp from 'fastify-plugin'
import { createMailer, type Mailer } from '../mail/mailer.js'
import { AccountService } from '../services/accounts.js'
import { AvatarService } from '../services/avatars.js'
import { sweepExpired } from '../services/housekeeping.js'
import { PostingService } from '../services/posting.js'
import { PostService } from '../services/posts.js'
import { createFileStore } from '../storage/create-store.js'
import type { LocalStore } from '../storage/local-store.js'
import type { S3Store } from '../storage/s3-store.js'

const SWEEP_EVERY_MS = 60 * 60 * 1000

export default fp(
  async (app) => {
    const mailer = createMailer(app.config, app.log)
    app.decorate('mailer', mailer)
    app.decorate('accounts', new AccountService(app.db, mailer))
    const store = createFileStore(app.config)
    app.decorate<LocalStore | S3Store>('fileStore', store)
    app.decorate('posting', new PostingService(app.db, store, app.config))
    app.decorate('posts', new PostService(app.db))
    app.decorate('avatars', new AvatarService(app.db, store, app.config.images, app.config.tmpDir))
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
    fileStore: LocalStore | S3Store
    posting: PostingService
    posts: PostService
    avatars: AvatarService
  }
}
