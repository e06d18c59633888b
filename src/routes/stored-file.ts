// Answers a request with a stored file: streamed by the app (local store: Range, HEAD and
// conditional requests included) or handed to nginx with X-Accel-Redirect (S3, and local files
// when nginx can read them: X_ACCEL_LOCAL_FILES).
import type { FastifyReply } from 'fastify'
import type { FileStore } from '../storage/file-store.js'

const userFileHeaders = {
  'content-security-policy': "default-src 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  // Images are meant to be embedded anywhere.
  'cross-origin-resource-policy': 'cross-origin',
}

export async function sendStoredFile(
  reply: FastifyReply,
  store: FileStore,
  key: string,
  contentType: string,
  options: {
    cacheControl?: string
    /** A URL already signed for this key (S3). */
    presignedUrl?: string | undefined
    /** Local files behind nginx: nginx sends them from its /_local/ alias. */
    xAccelLocal?: boolean
  } = {},
) {
  reply.headers({
    ...userFileHeaders,
    'cache-control': options.cacheControl ?? 'public, max-age=31536000, immutable',
  })
  if (store.kind === 's3') {
    const url = options.presignedUrl ?? (await store.presignedGetUrl(key))
    // nginx caches /_files/; one person's private files go through /_private/, never cached.
    const location = options.cacheControl?.startsWith('private') ? '/_private/' : '/_files/'
    return reply
      .header('x-accel-redirect', `${location}${key}`)
      .header('x-presigned-url', url)
      .header('content-type', contentType)
      .send('')
  }
  if (options.xAccelLocal) {
    store.pathOf(key) // refuses unsafe keys, as sendFile would
    return reply
      .header('x-accel-redirect', `/_local/${key}`)
      .header('content-type', contentType)
      .send('')
  }
  return reply.sendFile(key, store.root, { cacheControl: false, etag: true, lastModified: true })
}
