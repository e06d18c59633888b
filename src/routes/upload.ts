// Posting: the form, multipart uploads (POST /upload) and posting from a URL (/tools/p: the
// form filled in from its query, as MLTSHP's bookmarklet opens it, and the post).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { postUploadMaxBytes } from '../config.js'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { ServiceError, ValidationError } from '../services/errors.js'
import { formatBytes } from '../services/format-bytes.js'
import { ALT_TEXT_MAX, DESCRIPTION_MAX, TITLE_MAX } from '../services/post-rules.js'
import type { NewPost, NewPostInput } from '../services/posting.js'
import { WEB_ADDRESS_MAX } from '../services/text-rules.js'
import { queryField } from './form-fields.js'
import { readUpload } from './read-upload.js'
import { formBody, formValues } from './schemas.js'

const textFields = ['title', 'description', 'alt_text', 'shake_id'] as const
type UploadFields = Record<(typeof textFields)[number], string>
/** Posting from a URL: the same fields as an upload, with the image's address for the file. */
const fromUrlForm = formBody('url', ...textFields)
/** The page's two forms: a refused post's values and errors go back to the one it came from. */
type PostingForm = 'upload' | 'address'

const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const maxBytes = app.config.images.maxBytes
  // Videos may be larger than images: the form reads up to the larger limit.
  const readBytes = postUploadMaxBytes(app.config)
  const uploadLimit = limitedPerUser(app.config.rateLimits.upload)

  async function showForm(reply: FastifyReply, extra: object = {}, status = 200) {
    const user = reply.request.user
    const shakes = user ? await app.shakes.postable(user) : []
    return reply.page(
      'new-post',
      {
        values: {},
        errors: {},
        addressValues: {},
        addressErrors: {},
        maxSize: formatBytes(maxBytes),
        videoMaxSize: formatBytes(app.config.videos.maxBytes),
        videoMaxSeconds: app.config.videos.maxSeconds,
        shakes,
        ...extra,
      },
      status,
    )
  }

  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    attempt: () => Promise<NewPost>,
    form: PostingForm,
    values: Record<string, string>,
  ) {
    let post: NewPost
    try {
      post = await attempt()
    } catch (error) {
      return refuse(request, reply, error, form, values)
    }
    if (wantsJson(request)) return reply.code(201).send({ key: post.key, url: `/p/${post.key}` })
    return reply.redirect(`/p/${post.key}`, 302)
  }

  /** Answers a refused post: the form again with the message, or JSON for scripts. */
  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    form: PostingForm,
    values: Record<string, string>,
  ) {
    if (!(error instanceof ServiceError)) throw error
    request.log.info({ status: error.status }, `post refused: ${error.message}`)
    if (wantsJson(request)) {
      return reply.code(error.status).send({
        error: error.message,
        ...(error instanceof ValidationError ? { fields: error.fields } : {}),
      })
    }
    const errors = error instanceof ValidationError ? error.fields : {}
    const shown =
      form === 'upload' ? { values, errors } : { addressValues: values, addressErrors: errors }
    return showForm(reply, { ...shown, error: error.message }, error.status)
  }

  app.get('/tools/new-post', { preHandler: requireUser }, (_request, reply) => showForm(reply))

  app.post('/upload', { preHandler: requireUser, config: uploadLimit }, async (request, reply) => {
    const user = signedInUser(request)
    const fields: UploadFields = { title: '', description: '', alt_text: '', shake_id: '' }
    return answer(
      request,
      reply,
      async () => {
        const upload = await readUpload(
          request,
          { fileField: 'file', textFields, maxBytes: readBytes, tmpDir: app.config.tmpDir },
          fields,
        )
        // Removed before the answer goes out, whatever happened.
        try {
          return await app.posting.postUpload(user, upload, {
            ...inputOf(fields),
            fileName: upload.fileName,
          })
        } finally {
          await upload.cleanup()
        }
      },
      'upload',
      fields,
    )
  })

  // MLTSHP's bookmarklet and browser plugins open /tools/p?url=IMAGE&title=…&description=…&
  // alt_text=…: the form filled in (cut to what a post may hold), to check and post. A visitor
  // signs in first and comes back to it.
  app.get('/tools/p', { preHandler: requireUser }, (request, reply) => {
    const given = (name: string, max: number) => queryField(request, name).slice(0, max)
    return showForm(reply, {
      addressValues: {
        url: given('url', WEB_ADDRESS_MAX),
        title: given('title', TITLE_MAX),
        description: given('description', DESCRIPTION_MAX),
        alt_text: given('alt_text', ALT_TEXT_MAX),
      },
    })
  })

  const fromUrl = { schema: { body: fromUrlForm }, preHandler: requireUser, config: uploadLimit }
  app.post('/tools/p', fromUrl, async (request, reply) => {
    const user = signedInUser(request)
    const form = formValues(fromUrlForm, request.body)
    return answer(
      request,
      reply,
      () => app.posting.postFromUrl(user, form.url, inputOf(form)),
      'address',
      form,
    )
  })
}

function inputOf(fields: UploadFields): NewPostInput {
  return {
    title: fields.title,
    description: fields.description,
    altText: fields.alt_text,
    shakeId: fields.shake_id,
  }
}

export default uploadRoutes
