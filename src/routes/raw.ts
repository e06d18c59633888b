// Raw files: /r/KEY (the re-encoded original) and /r/KEY/550, /1100, /small, /thumb.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { answerMissingPost } from './missing-post.js'
import { pickRendition } from './post-view.js'
import { sendStoredFile } from './stored-file.js'

const rawRoutes: FastifyPluginAsync = async (app) => {
  async function serve(request: FastifyRequest, key: string, size: string, reply: FastifyReply) {
    const post = await app.posts.find(key)
    if (!post) return answerMissingPost(app, key, reply)
    const rendition = pickRendition(post.sourcefile.renditions, size)
    if (!rendition) return reply.callNotFound()
    // A view is a look at the full image by anyone but its owner; thumbnails are not views.
    if (size === '' && request.method === 'GET' && request.user?.id !== post.userId)
      app.views.record(post.id)
    return sendStoredFile(reply, app.fileStore, rendition.key, post.sourcefile.contentType)
  }

  app.get<{ Params: { key: string } }>('/r/:key', (request, reply) =>
    serve(request, request.params.key, '', reply),
  )
  app.get<{ Params: { key: string; size: string } }>('/r/:key/:size', (request, reply) =>
    serve(request, request.params.key, request.params.size, reply),
  )
}

export default rawRoutes
