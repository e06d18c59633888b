// Posts as stream cards show them: addresses, image sizes, and whether the reader likes each.
import type { FastifyInstance } from 'fastify'
import type { Post } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { presentPost } from './post-presentation.js'

export async function postCards(app: FastifyInstance, viewer: User | null, posts: Post[]) {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl
  const liked = await app.streams.likedBy(viewer, posts)
  // `liked` and `first` first: adding a field to a spread copy is slow in V8 (see presentPost).
  // The first card's image is the page's largest paint (post-card.njk fetches it first).
  return posts.map((post, index) => ({
    liked: liked.has(post.id),
    first: index === 0,
    ...presentPost(post, filesBase),
  }))
}
