// The API's posts: read one, edit your own, like, save, read and write comments, and upload.
// Each calls the same service as the site's forms, so the same rules apply (ownership,
// quotas, who may post to which shake, text limits).
import type { FastifyPluginAsync } from 'fastify'
import { postUploadMaxBytes } from '../../config.js'
import { limitedTo } from '../../plugins/rate-limit.js'
import { ServiceError } from '../../services/errors.js'
import { formFields } from '../form-fields.js'
import { readUpload } from '../read-upload.js'
import { callerOf } from './bearer.js'
import { commentJson } from './json.js'
import { presenters } from './presenters.js'

type KeyParams = { Params: { key: string } }
const read = { config: { scope: 'read' as const } }
const write = { config: { scope: 'write' as const } }
const uploadFields = ['title', 'description', 'alt_text', 'shake_id'] as const

const noSuchPost = () => new ServiceError(404, 'There is no such post. It may have been deleted.')

const sharedfileRoutes: FastifyPluginAsync = async (app) => {
  const show = presenters(app)

  async function livePost(key: string) {
    const post = await app.posts.find(key)
    if (!post) throw noSuchPost()
    return post
  }

  app.get<KeyParams>('/sharedfile/:key', read, async (request) =>
    show.post(callerOf(request).user, await livePost(request.params.key)),
  )

  // Fields left out keep their value, as in MLTSHP's API.
  app.post<KeyParams>('/sharedfile/:key', write, async (request) => {
    const user = callerOf(request).user
    const post = await livePost(request.params.key)
    const sent = (request.body ?? {}) as Record<string, unknown>
    const form = formFields(request, ['title', 'description', 'alt_text'])
    await app.posts.edit(user, request.params.key, {
      title: 'title' in sent ? form.title : post.title,
      description: 'description' in sent ? form.description : post.description,
      altText: 'alt_text' in sent ? form.alt_text : post.altText,
    })
    return show.post(user, await livePost(request.params.key))
  })

  app.post<KeyParams>('/sharedfile/:key/like', write, async (request) => {
    const user = callerOf(request).user
    await app.likes.like(user, request.params.key)
    return show.post(user, await livePost(request.params.key))
  })

  app.post<KeyParams>('/sharedfile/:key/save', write, async (request) => {
    const user = callerOf(request).user
    const { shake_id } = formFields(request, ['shake_id'])
    const saved = await app.saves.save(user, request.params.key, shake_id)
    return show.post(user, await livePost(saved.key))
  })

  app.get<KeyParams & { Querystring: { before?: string } }>(
    '/sharedfile/:key/comments',
    read,
    async (request) => {
      const post = await livePost(request.params.key)
      // The newest page; ?before=ID (the first comment's id) pages back through older ones.
      const page = await app.comments.page(post.id, null, request.query.before)
      return {
        comments: page.comments.map((c) => commentJson(show.at, c)),
        ...(page.older && page.comments[0] ? { older_before: page.comments[0].id } : {}),
      }
    },
  )

  app.post<KeyParams>('/sharedfile/:key/comments', write, async (request) => {
    const { body } = formFields(request, ['body'])
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
