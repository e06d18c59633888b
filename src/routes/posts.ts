// A post's page (/p/KEY) and the owner's edits and deletion.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import type { Post } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { ValidationError } from '../services/errors.js'
import { longDate } from '../services/long-date.js'
import { shareKey } from '../services/share-keys.js'
import { answerMissingPost } from './missing-post.js'
import { presentPost } from './post-presentation.js'
import { formBody, formValues, keyParams } from './schemas.js'

const editForm = formBody('title', 'description', 'alt_text')

const postRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl

  /** What the page shows around the image: likes, comments and who may delete which. */
  async function socialContext(viewer: User | null, post: Post, before?: string) {
    const [comments, reader, tags, saveShakes] = await Promise.all([
      app.comments.page(post.id, viewer, before),
      app.streams.readerOf(viewer, post),
      app.posts.tagsOf(post),
      // Where the reader may save it: their own shake and the groups they post to.
      viewer && viewer.id !== post.userId ? app.shakes.postable(viewer) : [],
    ])
    return {
      // The reader blocked the poster: the image is covered, as their posts are hidden elsewhere.
      authorBlocked: reader.authorBlocked,
      tags,
      saveShakes,
      liked: reader.liked,
      // canDelete first: adding a field to a spread copy is slow in V8 (see presentPost).
      comments: comments.comments.map((c) => ({
        canDelete: viewer !== null && (viewer.id === c.userId || viewer.id === post.userId),
        ...c,
      })),
      // The link to the page before the first comment shown, and whether this is a later page.
      olderComments: comments.older ? comments.comments[0]?.id : undefined,
      newerComments: before !== undefined,
    }
  }

  const postPage = {
    params: keyParams,
    // A page of comments: those before this comment id.
    querystring: Type.Object({ before: Type.Optional(Type.String()) }),
  }
  app.get('/p/:key', { schema: postPage }, async (request, reply) => {
    const post = await app.posts.find(request.params.key)
    if (!post) return answerMissingPost(app, request.params.key, reply)
    const presented = presentPost(post, filesBase)
    // One address per post: other spellings of the key redirect to it.
    if (presented.key !== request.params.key) return reply.redirect(presented.url, 301)
    return reply.page('post', {
      ...(await socialContext(request.user, post, request.query.before)),
      post: presented,
      isOwner: request.user?.id === post.userId,
      values: { title: post.title, description: post.description, alt_text: post.altText },
      errors: {},
    })
  })

  // Who liked and who saved a post: MLTSHP's JSON lists for scripts (json=1 or asking for
  // JSON), a page of people for browsers.
  const audiencePage = {
    params: keyParams,
    querystring: Type.Object({ json: Type.Optional(Type.String({ maxLength: 8 })) }),
  }
  for (const [list, verb] of [
    ['likes', 'liked'],
    ['saves', 'saved'],
  ] as const) {
    app.get(`/p/:key/${list}`, { schema: audiencePage }, async (request, reply) => {
      const { key } = request.params
      const { post, people } =
        list === 'likes' ? await app.posts.likers(key) : await app.posts.savers(key)
      if (wantsJson(request) || request.query.json === '1')
        return reply.send({
          result: people.map((p) => ({
            user_name: p.name,
            user_profile_image_url: p.avatarKey && `${app.config.baseUrl}/${p.avatarKey}`,
            posted_at: p.at.toISOString(),
            posted_at_friendly: longDate(p.at),
          })),
          count: people.length,
        })
      return reply.page('people', {
        pageTitle: `People who ${verb} ${post.title ? `“${post.title}”` : 'this post'}`,
        people,
        kind: list,
        // The post's own: a like or a save of it drops the cached list with the post's page.
        post: { id: post.id },
        backUrl: `/p/${shareKey(post.id)}`,
        backName: 'the post',
      })
    })
  }

  const edit = { params: keyParams, body: editForm }
  app.post('/p/:key/edit', { schema: edit, preHandler: requireUser }, async (request, reply) => {
    const user = signedInUser(request)
    const form = formValues(editForm, request.body)
    try {
      const post = await app.posts.edit(user, request.params.key, {
        title: form.title,
        description: form.description,
        altText: form.alt_text,
      })
      if (wantsJson(request))
        return reply.send({
          title: post.title,
          description: post.description,
          alt_text: post.altText,
        })
      request.flash('success', 'Your changes are saved.')
      return reply.redirect(`/p/${request.params.key}`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError) || wantsJson(request)) throw error
      const post = await app.posts.find(request.params.key)
      if (!post) return reply.callNotFound()
      return reply.page(
        'post',
        {
          ...(await socialContext(user, post)),
          post: presentPost(post, filesBase),
          isOwner: true,
          values: form,
          errors: error.fields,
        },
        error.status,
      )
    }
  })

  const remove = { params: keyParams }
  app.post(
    '/p/:key/delete',
    { schema: remove, preHandler: requireUser },
    async (request, reply) => {
      const user = signedInUser(request)
      await app.posts.remove(user, request.params.key)
      if (wantsJson(request)) return reply.send({ deleted: true })
      request.flash('success', 'The post is deleted.')
      return reply.redirect(`/user/${user.name}`, 303)
    },
  )
}

export default postRoutes
