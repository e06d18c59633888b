// Raw files: /r/KEY (the re-encoded original) and /r/KEY/550, /1100, /small, /thumb.
import type { FastifyPluginAsync } from 'fastify'
import { pickRendition } from './post-view.js'
import { sendStoredFile } from './stored-file.js'

const rawRoutes: FastifyPluginAsync = async (app) => {
  async function serve(key: string, size: string, reply: import('fastify').FastifyReply) {
    const post = await app.posts.find(key)
    const rendition = post && pickRendition(post.sourcefile.renditions, size)
    if (!post || !rendition) return reply.callNotFound()
    return sendStoredFile(reply, app.fileStore, rendition.key, post.sourcefile.contentType)
  }

  app.get<{ Params: { key: string } }>('/r/:key', (request, reply) =>
    serve(request.params.key, '', reply),
  )
  app.get<{ Params: { key: string; size: string } }>('/r/:key/:size', (request, reply) =>
    serve(request.params.key, request.params.size, reply),
  )
}

export default rawRoutes
