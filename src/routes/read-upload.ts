// Reads a multipart upload form: text fields into `fields`, and the one file into a temporary
// file. Every failure is a readable ServiceError, and leaves no file.
import type { FastifyRequest } from 'fastify'
import { saveToTempFile, type TempUpload, TooLargeError } from '../media/temp-file.js'
import { ServiceError } from '../services/errors.js'

export interface UploadForm<K extends string> {
  fileField: string
  textFields: readonly K[]
  maxBytes: number
  tmpDir: string
}

/**
 * What busboy, the parser under @fastify/multipart, throws for a body that is not the
 * multipart it claims to be (no boundary, cut off, a part with no end): plain Errors with no
 * code, told apart from our own failures (a full disk has a code) by their words.
 */
const MALFORMED_MULTIPART = /boundary|unexpected end of multipart|terminated early/i

/** Multipart failures, as something a person can act on. */
function multipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code
  const unreadable = () =>
    new ServiceError(400, 'The upload form could not be read. Please try again.')
  if (code === undefined && error instanceof Error && MALFORMED_MULTIPART.test(error.message))
    return unreadable()
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
      return unreadable()
  }
  return error
}

/** A received file and the name the sender's part gave it (uncleaned: the service cleans it). */
export type ReceivedUpload = TempUpload & { fileName: string }

/** The uploaded file (the caller removes it), or a ServiceError when there is none. */
export async function readUpload<K extends string>(
  request: FastifyRequest,
  form: UploadForm<K>,
  fields: Record<K, string>,
): Promise<ReceivedUpload> {
  let upload: ReceivedUpload | undefined
  // A file over the limit is cut there (busboy stops at fileSize and the stream ends cleanly),
  // and the parts after it are still read: the posting form sends its file first, and what was
  // typed below it comes back with the refusal.
  let tooLarge = false
  try {
    for await (const part of request.parts({
      limits: {
        fileSize: form.maxBytes,
        files: 1,
        fields: 10,
        fieldSize: 20_000,
        parts: 12,
        headerPairs: 100,
      },
    })) {
      if (part.type === 'file') {
        if (part.fieldname !== form.fileField) {
          part.file.resume()
          throw new ServiceError(
            400,
            `The image must be sent in the field named "${form.fileField}".`,
          )
        }
        const saved = await saveToTempFile(part.file, form.maxBytes, form.tmpDir)
        upload = Object.assign(saved, { fileName: part.filename ?? '' })
        if (part.file.truncated) tooLarge = true
      } else if (
        (form.textFields as readonly string[]).includes(part.fieldname) &&
        typeof part.value === 'string'
      ) {
        fields[part.fieldname as K] = part.value
      }
    }
  } catch (error) {
    await upload?.cleanup()
    throw multipartError(error, form.maxBytes)
  }
  if (tooLarge) {
    await upload?.cleanup()
    throw new TooLargeError(form.maxBytes)
  }
  if (!upload) throw new ServiceError(400, 'Please choose an image.')
  return upload
}
