// Raw files: /r/KEY (the re-encoded original) and /r/KEY/550, /1100, /small, /thumb.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { RawFiles } from '../services/raw-files.js'
import { pickRendition } from './post-view.js'
import { sendStoredFile } from './stored-file.js'

const rawRoutes: FastifyPluginAsync = async (app) => {
  const rawFiles = new RawFiles(
    app.db,
    app.fileStore,
    pickRendition,
    app.config.pageCacheSeconds * 1000,
  )
  app.onCacheInvalidation((tags) => rawFiles.invalidate(tags))

  async function serve(request: FastifyRequest, key: string, size: string, reply: FastifyReply) {
    const file = await rawFiles.locate(key, size)
    if (!file) return reply.callNotFound()
    // A view is a look at the full image by anyone but its owner; thumbnails are not views.
    if (size === '' && request.method === 'GET' && request.user?.id !== file.ownerId)
      app.views.record(file.postId)
    return sendStoredFile(reply, app.fileStore, file.key, file.contentType, {
      presignedUrl: file.presignedUrl,
      xAccelLocal: app.config.xAccelLocalFiles,
    })
  }

  app.get<{ Params: { key: string } }>('/r/:key', (request, reply) =>
    serve(request, request.params.key, '', reply),
  )
  app.get<{ Params: { key: string; size: string } }>('/r/:key/:size', (request, reply) =>
    serve(request, request.params.key, request.params.size, reply),
  )
}

export default rawRoutes
