// The product's services and the job runtime, built once per app and shared by every route.
import fp from 'fastify-plugin'
import { createJobRuntime, type JobRuntime } from '../jobs/runtime.js'
import { AccountDeletionService } from '../services/account-deletion.js'
import { AccountService } from '../services/accounts.js'
import { AvatarService } from '../services/avatars.js'
import { BlockService } from '../services/blocks.js'
import { CommentService } from '../services/comments.js'
import { DataExportService } from '../services/data-export.js'
import { FollowService } from '../services/follows.js'
import { ImageHitLog } from '../services/image-hit-log.js'
import { LikeService } from '../services/likes.js'
import { ModerationService } from '../services/moderation.js'
import { MuteService } from '../services/mutes.js'
import { NsfwService } from '../services/nsfw.js'
import { OAuthService } from '../services/oauth.js'
import { PostingService } from '../services/posting.js'
import { PostService } from '../services/posts.js'
import { QueueWatch } from '../services/queue-watch.js'
import { ReportService } from '../services/reports.js'
import { SaveService } from '../services/saves.js'
import { SearchService } from '../services/search.js'
import { ShakeMembershipService } from '../services/shake-memberships.js'
import { ShakePostService } from '../services/shake-posts.js'
import { ShakeSettingsService } from '../services/shake-settings.js'
import { ShakeService } from '../services/shakes.js'
import { StreamService } from '../services/streams.js'
import { SuggestionService } from '../services/suggestions.js'
import { TakedownService } from '../services/takedowns.js'
import { VideoLinkService } from '../services/video-links.js'
import { ViewCounter } from '../services/view-counter.js'
import { createFileStore } from '../storage/create-store.js'
import type { FileStore } from '../storage/file-store.js'

export default fp(
  async (app) => {
    const jobs = await createJobRuntime(app.config, app.db, app.log, {
      role: 'web',
      metrics: app.metrics,
    })
    app.decorate('jobs', jobs)
    // Every web node watches the queues: the alarm must not depend on the workers it is about.
    const queueWatch = new QueueWatch(app.db, jobs, app.config.queueAlarmSeconds, app.log)
    queueWatch.start()
    app.decorate('queueWatch', queueWatch)
    const accounts = new AccountService(app.db, jobs, app.signIns, app.sessionCache)
    app.decorate('accounts', accounts)
    app.decorate(
      'accountDeletion',
      new AccountDeletionService(app.db, accounts, jobs, app.sessionCache),
    )
    app.decorate('dataExports', new DataExportService(app.db, jobs))
    const store = await createFileStore(app.config)
    app.decorate<FileStore>('fileStore', store)
    app.decorate('posting', new PostingService(app.db, store, app.config, jobs, app.metrics))
    app.decorate('posts', new PostService(app.db))
    app.decorate('videoLinks', new VideoLinkService(app.db, store, app.config, jobs))
    app.decorate(
      'avatars',
      new AvatarService(app.db, store, app.config.images, app.config.tmpDir, app.sessionCache),
    )
    app.decorate('likes', new LikeService(app.db, app.config.magicThreshold))
    app.decorate('saves', new SaveService(app.db, jobs))
    app.decorate('comments', new CommentService(app.db, jobs))
    app.decorate('follows', new FollowService(app.db, jobs))
    app.decorate('streams', new StreamService(app.db))
    app.decorate(
      'suggestions',
      new SuggestionService(app.db, app.config.suggestionsCacheSeconds * 1000),
    )
    app.decorate('searcher', new SearchService(app.db))
    app.decorate('nsfw', new NsfwService(app.db, app.sessionCache))
    app.decorate('oauth', new OAuthService(app.db))
    app.decorate('shakes', new ShakeService(app.db))
    app.decorate('shakeSettings', new ShakeSettingsService(app.db, store, app.config))
    app.decorate('shakeMembers', new ShakeMembershipService(app.db, jobs))
    app.decorate('shakePosts', new ShakePostService(app.db, jobs))
    const reports = new ReportService(app.db)
    app.decorate('reports', reports)
    app.decorate(
      'moderation',
      new ModerationService(app.db, reports, app.accountDeletion, app.sessionCache),
    )
    app.decorate('takedowns', new TakedownService(app.db, store))
    app.decorate('blocks', new BlockService(app.db))
    app.decorate('mutes', new MuteService(app.db))
    const views = new ViewCounter(app.db, app.log)
    views.start()
    app.decorate('views', views)
    // Behind nginx's answer cache, the views nginx answered come from its log.
    const imageHitLog = app.config.viewLogFile
      ? new ImageHitLog(app.config.viewLogFile, views, app.log)
      : undefined
    imageHitLog?.start()
    // Before the database closes: the relay may be in the middle of a pass.
    app.addHook('preClose', async () => {
      await queueWatch.stop()
      await jobs.close()
      await imageHitLog?.stop()
      await views.stop()
    })
  },
  { name: 'services', dependencies: ['database', 'rate-limit', 'metrics', 'session-cache'] },
)

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobRuntime
    queueWatch: QueueWatch
    accounts: AccountService
    accountDeletion: AccountDeletionService
    dataExports: DataExportService
    fileStore: FileStore
    posting: PostingService
    posts: PostService
    videoLinks: VideoLinkService
    avatars: AvatarService
    likes: LikeService
    saves: SaveService
    comments: CommentService
    follows: FollowService
    streams: StreamService
    suggestions: SuggestionService
    searcher: SearchService
    nsfw: NsfwService
    oauth: OAuthService
    blocks: BlockService
    mutes: MuteService
    /** Group shakes read: by name or id, the directory, the shakes one owns or may post to. */
    shakes: ShakeService
    /** A group shake's creation, title, description and picture. */
    shakeSettings: ShakeSettingsService
    /** Members, invitations, requests to join, leaving, handing the shake over. */
    shakeMembers: ShakeMembershipService
    /** Posts put into shakes and taken out. */
    shakePosts: ShakePostService
    reports: ReportService
    moderation: ModerationService
    takedowns: TakedownService
    views: ViewCounter
  }
}
