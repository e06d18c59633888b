// Answers a request with a stored file: streamed by the app (local store: Range, HEAD and
// conditional requests included) or handed to nginx with X-Accel-Redirect (S3).
import type { FastifyReply } from 'fastify'
import type { LocalStore } from '../storage/local-store.js'
import type { S3Store } from '../storage/s3-store.js'

const userFileHeaders = {
  'content-security-policy': "default-src 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  // Images are meant to be embedded anywhere.
  'cross-origin-resource-policy': 'cross-origin',
}

export async function sendStoredFile(
  reply: FastifyReply,
  store: LocalStore | S3Store,
  key: string,
  contentType: string,
  cacheControl = 'public, max-age=31536000, immutable',
) {
  reply.headers({ ...userFileHeaders, 'cache-control': cacheControl })
  if (store.kind === 's3') {
    const url = await store.presignedGetUrl(key)
    // nginx caches /_files/; one person's private files go through /_private/, never cached.
    const location = cacheControl.startsWith('private') ? '/_private/' : '/_files/'
    return reply
      .header('x-accel-redirect', `${location}${key}`)
      .header('x-presigned-url', url)
      .header('content-type', contentType)
      .send('')
  }
  return reply.sendFile(key, store.root, { cacheControl: false, etag: true, lastModified: true })
}
