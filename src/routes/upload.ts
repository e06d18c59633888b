// Posting: the form, multipart uploads (POST /upload) and posting from a URL (POST /tools/p).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { saveToTempFile, type TempUpload, TooLargeError } from '../media/temp-file.js'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedTo } from '../plugins/rate-limit.js'
import { ServiceError, ValidationError } from '../services/errors.js'
import { formatBytes } from '../services/format-bytes.js'
import type { NewPost, NewPostInput } from '../services/posting.js'
import { formFields } from './form-fields.js'

const textFields = ['title', 'description', 'alt_text', 'shake_id'] as const
type UploadFields = Record<(typeof textFields)[number], string>

/** Multipart failures, as something a person can act on. */
function multipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new TooLargeError(maxBytes)
    case 'FST_FILES_LIMIT':
      return new ServiceError(400, 'Send one image at a time.')
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_MP_PREMATURE_CLOSE':
      return new ServiceError(400, 'The upload form could not be read. Please try again.')
  }
  return error
}

const uploadRoutes: FastifyPluginAsync = async (app) => {
  const maxBytes = app.config.images.maxBytes
  // One count per signed-in user (not per address: people share addresses).
  const uploadLimit = {
    rateLimit: {
      ...limitedTo(app.config.rateLimits.upload).rateLimit,
      keyGenerator: (request: FastifyRequest) =>
        request.user ? `user:${request.user.id}` : request.ip,
    },
  }

  async function showForm(reply: FastifyReply, extra: object = {}, status = 200) {
    return reply.page(
      'new-post',
      { values: {}, errors: {}, maxSize: formatBytes(maxBytes), ...extra },
      status,
    )
  }

  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    attempt: () => Promise<NewPost>,
    values: Record<string, string>,
  ) {
    try {
      const post = await attempt()
      if (wantsJson(request)) return reply.code(201).send({ key: post.key, url: `/p/${post.key}` })
      return reply.redirect(`/p/${post.key}`, 302)
    } catch (raw) {
      const error = raw instanceof TooLargeError ? new ServiceError(413, raw.message) : raw
      if (!(error instanceof ServiceError)) throw error
      request.log.info({ status: error.status }, `post refused: ${error.message}`)
      if (wantsJson(request)) {
        return reply.code(error.status).send({
          error: error.message,
          ...(error instanceof ValidationError ? { fields: error.fields } : {}),
        })
      }
      const errors = error instanceof ValidationError ? error.fields : {}
      return showForm(reply, { values, errors, error: error.message }, error.status)
    }
  }

  app.get('/tools/new-post', { preHandler: requireUser }, (_request, reply) => showForm(reply))

  app.post('/upload', { preHandler: requireUser, config: uploadLimit }, async (request, reply) => {
    const user = signedInUser(request)
    const fields: UploadFields = { title: '', description: '', alt_text: '', shake_id: '' }
    let upload: TempUpload | undefined
    try {
      return await answer(
        request,
        reply,
        async () => {
          try {
            // Text fields come first in the form, so they are known before the file arrives.
            for await (const part of request.parts({
              limits: {
                fileSize: maxBytes + 1,
                files: 1,
                fields: 10,
                fieldSize: 20_000,
                parts: 12,
                headerPairs: 100,
              },
            })) {
              if (part.type === 'file') {
                if (part.fieldname !== 'file') {
                  part.file.resume()
                  throw new ServiceError(400, 'The image must be sent in the field named "file".')
                }
                upload = await saveToTempFile(part.file, maxBytes, app.config.tmpDir)
                if (part.file.truncated) throw new TooLargeError(maxBytes)
              } else if (
                (textFields as readonly string[]).includes(part.fieldname) &&
                typeof part.value === 'string'
              ) {
                fields[part.fieldname as keyof UploadFields] = part.value
              }
            }
          } catch (error) {
            throw multipartError(error, maxBytes)
          }
          if (!upload) throw new ServiceError(400, 'Please choose an image to post.')
          return app.posting.postUpload(user, upload, inputOf(fields))
        },
        fields,
      )
    } finally {
      await upload?.cleanup()
    }
  })

  app.post('/tools/p', { preHandler: requireUser, config: uploadLimit }, async (request, reply) => {
    const user = signedInUser(request)
    const form = formFields(request, ['url', ...textFields])
    return answer(
      request,
      reply,
      () => app.posting.postFromUrl(user, form.url, inputOf(form)),
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
