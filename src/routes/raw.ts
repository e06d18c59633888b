// Raw files: /r/KEY (the re-encoded original), /r/KEY/SIZE.EXT (one width in one format, e.g.
// /r/KEY/800.avif: see renditionPaths in post-presentation.ts for why paths and not negotiation) and
// /r/KEY/550, /1100, /small, /thumb (the fallback); for an
// animated GIF also /r/KEY.mp4 (its video) and /r/KEY/poster. An uploaded video's /r/KEY is its
// poster frame (an image, as the API says) and /r/KEY.mp4 its re-encoded video, once made. /r/KEY.jpg, .png, .gif, .webp (any
// extension but .mp4) is /r/KEY, as on MLTSHP, whose links carry one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { answerKeepSeconds, RawFiles } from '../services/raw-files.js'
import { answerMissingPost } from './missing-post.js'
import { pickRendition, renditionContentType } from './post-presentation.js'
import { keyParams } from './schemas.js'
import { sendStoredFile } from './stored-file.js'

/** The full image, or its video from the start (players come back for later ranges). */
function isLook(request: FastifyRequest, size: string): boolean {
  if (request.method !== 'GET') return false
  if (size === '') return true
  const range = request.headers.range
  return size === 'mp4' && (range === undefined || range.startsWith('bytes=0-'))
}

/** A rendition of a post's file: its width, or a format. */
const renditionParams = Type.Object({ key: Type.String(), size: Type.String() })

const rawRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const rawFiles = new RawFiles(
    app.db,
    app.fileStore,
    pickRendition,
    renditionContentType,
    app.config.pageCacheSeconds * 1000,
  )
  app.onCacheInvalidation((tags) => rawFiles.invalidate(tags))

  async function serve(request: FastifyRequest, key: string, size: string, reply: FastifyReply) {
    const file = await rawFiles.locate(key, size)
    if (!file) return answerMissingPost(app, key, reply)
    const viaNginx = app.fileStore.kind === 's3' || app.config.xAccelLocalFiles
    // nginx keeps an answer to a visitor without a session for a few seconds and gives it to
    // the next ones (see nginx.conf.template), so it counts their looks itself: this answer
    // names the post, and the app reads nginx's log. Only while that log is read is an answer
    // kept at all, or its looks would go uncounted.
    const nginxCounts = viaNginx && !request.user && app.config.viewLogFile !== undefined
    if (viaNginx) {
      const keep = nginxCounts ? answerKeepSeconds(file, app.config.pageCacheSeconds) : 0
      reply.header('x-accel-expires', String(keep))
    }
    if (nginxCounts) {
      if (size === '' || size === 'mp4') reply.header('x-view-post', String(file.postId))
    } else if (isLook(request, size) && request.user?.id !== file.ownerId) {
      // A view is a look at the full image by anyone but its owner; thumbnails are not views.
      app.views.record(file.postId)
    }
    return sendStoredFile(reply, app.fileStore, file.key, file.contentType, {
      presignedUrl: file.presignedUrl,
      xAccelLocal: app.config.xAccelLocalFiles,
    })
  }

  app.get('/r/:key', { schema: { params: keyParams } }, (request, reply) => {
    const named = /^([^.]+)\.([A-Za-z0-9]{1,5})$/.exec(request.params.key)
    if (!named) return serve(request, request.params.key, '', reply)
    const [, key = '', extension = ''] = named
    return serve(request, key, extension.toLowerCase() === 'mp4' ? 'mp4' : '', reply)
  })
  app.get('/r/:key/:size', { schema: { params: renditionParams } }, (request, reply) =>
    serve(request, request.params.key, request.params.size, reply),
  )
}

export default rawRoutes
