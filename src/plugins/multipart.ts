// Multipart bodies (image uploads). Limits are set per route where the parts are read; these
// are the outer bounds for any multipart request.
import multipart from '@fastify/multipart'
import fp from 'fastify-plugin'

export default fp(
  async (app) => {
    await app.register(multipart, {
      limits: {
        fileSize: app.config.images.maxBytes + 1,
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
