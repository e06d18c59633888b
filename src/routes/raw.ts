// Raw files: /r/KEY (the re-encoded original) and /r/KEY/550, /1100, /small, /thumb.
// Embedded mode streams the file (Range, HEAD, conditional requests); with S3 the app answers
// with X-Accel-Redirect and nginx fetches the bytes from a short-lived presigned URL.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { pickRendition } from './post-view.js'

const userFileHeaders = {
  'content-security-policy': "default-src 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  // Images are meant to be embedded anywhere.
  'cross-origin-resource-policy': 'cross-origin',
  'cache-control': 'public, max-age=31536000, immutable',
}

const rawRoutes: FastifyPluginAsync = async (app) => {
  const store = app.fileStore

  async function serve(key: string, size: string, reply: FastifyReply) {
    const post = await app.posts.find(key)
    const rendition = post && pickRendition(post.sourcefile.renditions, size)
    if (!post || !rendition) return reply.callNotFound()
    reply.headers(userFileHeaders)
    if (store.kind === 's3') {
      const url = await store.presignedGetUrl(rendition.key)
      return reply
        .header('x-accel-redirect', `/_files/${rendition.key}`)
        .header('x-presigned-url', url)
        .header('content-type', post.sourcefile.contentType)
        .send('')
    }
    return reply.sendFile(rendition.key, store.root, {
      cacheControl: false,
      etag: true,
      lastModified: true,
    })
  }

  app.get<{ Params: { key: string } }>('/r/:key', (request, reply) =>
    serve(request.params.key, '', reply),
  )
  app.get<{ Params: { key: string; size: string } }>('/r/:key/:size', (request, reply) =>
    serve(request.params.key, request.params.size, reply),
  )
}

export default rawRoutes
