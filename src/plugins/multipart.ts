// Multipart bodies (image and video uploads). Limits are set per route where the parts are
// read (avatars and shake pictures: the image limit); these are the outer bounds for any
// multipart request.
import multipart from '@fastify/multipart'
import fp from 'fastify-plugin'
import { postUploadMaxBytes } from '../config.js'

export default fp(
  async (app) => {
    await app.register(multipart, {
      limits: {
        fileSize: postUploadMaxBytes(app.config) + 1,
        files: 1,
        fields: 10,
        fieldSize: 20_000,
        parts: 12,
        headerPairs: 100,
      },
    })
  },
  { name: 'multipart' },
)
