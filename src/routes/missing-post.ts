// The answer for a post key that finds no live post: 410 Gone when a moderator took its image
// down (caches and crawlers should drop it), 404 otherwise.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ServiceError } from '../services/errors.js'

export async function answerMissingPost(app: FastifyInstance, key: string, reply: FastifyReply) {
  if (await app.takedowns.isTakenDown(key))
    throw new ServiceError(410, 'This image was taken down by the moderators.')
  return reply.callNotFound()
}
