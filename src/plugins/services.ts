// The product's services and the job runtime, built once per app and shared by every route.
import fp from 'fastify-plugin'
import { createJobRuntime, type JobRuntime } from '../jobs/runtime.js'
import { createMailer, type Mailer } from '../mail/mailer.js'
import { AccountDeletionService } from '../services/account-deletion.js'
import { AccountService } from '../services/accounts.js'
import { AvatarService } from '../services/avatars.js'
import { BlockService } from '../services/blocks.js'
import { CommentService } from '../services/comments.js'
import { DataExportService } from '../services/data-export.js'
import { FollowService } from '../services/follows.js'
import { LikeService } from '../services/likes.js'
import { MuteService } from '../services/mutes.js'
import { NsfwService } from '../services/nsfw.js'
import { PostingService } from '../services/posting.js'
import { PostService } from '../services/posts.js'
import { SaveService } from '../services/saves.js'
import { SearchService } from '../services/search.js'
import { ShakeService } from '../services/shakes.js'
import { StreamService } from '../services/streams.js'
import { ViewCounter } from '../services/view-counter.js'
import { createFileStore } from '../storage/create-store.js'
import type { LocalStore } from '../storage/local-store.js'
import type { S3Store } from '../storage/s3-store.js'

export default fp(
  async (app) => {
    const jobs = await createJobRuntime(app.config, app.db, app.log, { role: 'web' })
    app.decorate('jobs', jobs)
    const mailer = createMailer(app.config, app.log)
    app.decorate('mailer', mailer)
    const accounts = new AccountService(app.db, mailer)
    app.decorate('accounts', accounts)
    app.decorate('accountDeletion', new AccountDeletionService(app.db, accounts, jobs))
    app.decorate('dataExports', new DataExportService(app.db, jobs))
    const store = createFileStore(app.config)
    app.decorate<LocalStore | S3Store>('fileStore', store)
    app.decorate('posting', new PostingService(app.db, store, app.config, jobs))
    app.decorate('posts', new PostService(app.db))
    app.decorate('avatars', new AvatarService(app.db, store, app.config.images, app.config.tmpDir))
    app.decorate('likes', new LikeService(app.db, jobs))
    app.decorate('saves', new SaveService(app.db, jobs))
    app.decorate('comments', new CommentService(app.db, jobs))
    app.decorate('follows', new FollowService(app.db, jobs))
    app.decorate('streams', new StreamService(app.db))
    app.decorate('searcher', new SearchService(app.db))
    app.decorate('nsfw', new NsfwService(app.db))
    app.decorate('blocks', new BlockService(app.db))
    app.decorate('mutes', new MuteService(app.db))
    app.decorate('shakes', new ShakeService(app.db, store, app.config, mailer, jobs))
    const views = new ViewCounter(app.db)
    views.start()
    app.decorate('views', views)
    // Before the database closes: the relay may be in the middle of a pass.
    app.addHook('preClose', async () => {
      await jobs.close()
      await views.stop()
    })
    app.addHook('onClose', async () => {
      await mailer.flush()
    })
  },
  { name: 'services', dependencies: ['database'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobRuntime
    mailer: Mailer
    accounts: AccountService
    accountDeletion: AccountDeletionService
    dataExports: DataExportService
    fileStore: LocalStore | S3Store
    posting: PostingService
    posts: PostService
    avatars: AvatarService
    likes: LikeService
    saves: SaveService
    comments: CommentService
    follows: FollowService
    streams: StreamService
    searcher: SearchService
    nsfw: NsfwService
    blocks: BlockService
    mutes: MuteService
    shakes: ShakeService
    views: ViewCounter
  }
}
