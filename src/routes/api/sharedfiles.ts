// The API's posts: read one, edit your own, like, save, read and write comments, and upload.
// Each calls the same service as the site's forms, so the same rules apply (ownership,
// quotas, who may post to which shake, text limits).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { postUploadMaxBytes } from '../../config.js'
import { limitedTo } from '../../plugins/rate-limit.js'
import { ServiceError } from '../../services/errors.js'
import { readUpload } from '../read-upload.js'
import { formBody, formValues, keyParams } from '../schemas.js'
import { callerOf } from './bearer.js'
import { commentJson } from './json.js'
import { presenters } from './presenters.js'

const read = { schema: { params: keyParams }, config: { scope: 'read' as const } }
const write = { schema: { params: keyParams }, config: { scope: 'write' as const } }
const editForm = formBody('title', 'description', 'alt_text')
const saveForm = formBody('shake_id')
const commentForm = formBody('body')
const uploadFields = ['title', 'description', 'alt_text', 'shake_id'] as const

const noSuchPost = () => new ServiceError(404, 'There is no such post. It may have been deleted.')

const sharedfileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const show = presenters(app)

  async function livePost(key: string) {
    const post = await app.posts.find(key)
    if (!post) throw noSuchPost()
    return post
  }

  app.get('/sharedfile/:key', read, async (request) =>
    show.post(callerOf(request).user, await livePost(request.params.key)),
  )

  // Fields left out keep their value, as in MLTSHP's API.
  const edit = { ...write, schema: { ...write.schema, body: editForm } }
  app.post('/sharedfile/:key', edit, async (request) => {
    const user = callerOf(request).user
    const post = await livePost(request.params.key)
    const sent = request.body
    await app.posts.edit(user, request.params.key, {
      title: sent.title ?? post.title,
      description: sent.description ?? post.description,
      altText: sent.alt_text ?? post.altText,
    })
    return show.post(user, await livePost(request.params.key))
  })

  app.post('/sharedfile/:key/like', write, async (request) => {
    const user = callerOf(request).user
    await app.likes.like(user, request.params.key)
    return show.post(user, await livePost(request.params.key))
  })

  const save = { ...write, schema: { ...write.schema, body: saveForm } }
  app.post('/sharedfile/:key/save', save, async (request) => {
    const user = callerOf(request).user
    const { shake_id } = formValues(saveForm, request.body)
    const saved = await app.saves.save(user, request.params.key, shake_id)
    return show.post(user, await livePost(saved.key))
  })

  const comments = {
    ...read,
    schema: { ...read.schema, querystring: Type.Object({ before: Type.Optional(Type.String()) }) },
  }
  app.get('/sharedfile/:key/comments', comments, async (request) => {
    const post = await livePost(request.params.key)
    // The newest page; ?before=ID (the first comment's id) pages back through older ones.
    const page = await app.comments.page(post.id, null, request.query.before)
    return {
      comments: page.comments.map((c) => commentJson(show.at, c)),
      ...(page.older && page.comments[0] ? { older_before: page.comments[0].id } : {}),
    }
  })

  const commenting = { ...write, schema: { ...write.schema, body: commentForm } }
  app.post('/sharedfile/:key/comments', commenting, async (request) => {
    const { body } = formValues(commentForm, request.body)
    const comment = await app.comments.comment(callerOf(request).user, request.params.key, body)
    return commentJson(show.at, comment)
  })

  app.post(
    '/upload',
    {
      config: {
        scope: 'write',
        // The site's upload limit, per user, on top of the token's own limit.
        rateLimit: {
          ...limitedTo(app.config.rateLimits.upload).rateLimit,
          keyGenerator: (request) => `api-upload:${request.caller?.user.id ?? request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const user = callerOf(request).user
      const fields = { title: '', description: '', alt_text: '', shake_id: '' }
      const upload = await readUpload(
        request,
        {
          fileField: 'file',
          textFields: uploadFields,
          maxBytes: postUploadMaxBytes(app.config),
          tmpDir: app.config.tmpDir,
        },
        fields,
      )
      let key: string
      // Removed before the answer goes out, whatever happened.
      try {
        const posted = await app.posting.postUpload(user, upload, {
          title: fields.title,
          description: fields.description,
          altText: fields.alt_text,
          shakeId: fields.shake_id,
          fileName: upload.fileName,
        })
        key = posted.key
      } finally {
        await upload.cleanup()
      }
      // MLTSHP's upload answers {name, share_key}: clients written for it read share_key.
      const posted = await show.post(user, await livePost(key))
      return reply.code(201).send({ ...posted, share_key: posted?.sharekey })
    },
  )
}

export default sharedfileRoutes
