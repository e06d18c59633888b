// Asking a video's provider about it (oEmbed), through the same guarded fetch as posting from a
// URL, and reading the answer strictly: a small JSON object whose fields have the right types
// and sane lengths. Only facts are taken from it (title, author, size, thumbnail address); its
// `html` is never read, kept or shown.
import { readFile } from 'node:fs/promises'
import { type FetchPolicy, fetchRemoteImage } from '../media/fetch-remote.js'
import { ServiceError } from './errors.js'
import { TITLE_MAX } from './post-rules.js'
import { WEB_ADDRESS_MAX } from './text-rules.js'
import { providerNames, type VideoRef } from './video-urls.js'

/** What an oEmbed answer told us, checked. */
export interface VideoFacts {
  title: string
  authorName: string
  width: number | null
  height: number | null
  thumbnailUrl: string
}

/** An oEmbed document is a few hundred bytes; anything near this is not one. */
export const OEMBED_MAX_BYTES = 64 * 1024
const SIDE_MAX = 10_000

// Control characters, and the invisible ones that reorder or hide text (bidi overrides, marks,
// BOM): a provider's title is shown on our pages, so only plain text is kept.
const unwanted =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Provider text made plain: no control or direction characters, spaces collapsed, cut short. */
export function plainText(value: string, max: number): string {
  const text = value
    .replace(loneSurrogate, '')
    .normalize('NFC')
    .replace(unwanted, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return [...text].slice(0, max).join('').trim()
}

class UnreadableAnswer extends Error {}

function optionalText(doc: Record<string, unknown>, name: string, max: number): string {
  const value = doc[name]
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string' || value.length > max * 4) throw new UnreadableAnswer(name)
  return plainText(value, max)
}

function optionalSide(doc: Record<string, unknown>, name: string): number | null {
  const value = doc[name]
  if (value === undefined || value === null) return null
  // Some providers send sizes as numeric strings.
  const side = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value
  if (typeof side !== 'number' || !Number.isInteger(side) || side < 1 || side > SIDE_MAX)
    throw new UnreadableAnswer(name)
  return side
}

/** Reads an oEmbed answer; throws 422 when it is not a video document we can use. */
export function parseOembedAnswer(text: string, provider: string): VideoFacts {
  const refused = (why: string) =>
    new ServiceError(
      422,
      `${provider} sent an answer about that video that we could not use (${why}).`,
    )
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw refused('not JSON')
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw refused('not an object')
  const fields = doc as Record<string, unknown>
  try {
    if (fields.type !== 'video') throw new UnreadableAnswer('type')
    if (fields.version !== undefined && fields.version !== '1.0')
      throw new UnreadableAnswer('version')
    const thumbnailUrl = fields.thumbnail_url
    if (
      typeof thumbnailUrl !== 'string' ||
      thumbnailUrl.length > WEB_ADDRESS_MAX ||
      !/^https?:\/\//i.test(thumbnailUrl) ||
      !URL.canParse(thumbnailUrl)
    )
      throw new UnreadableAnswer('thumbnail_url')
    return {
      title: optionalText(fields, 'title', TITLE_MAX),
      authorName: optionalText(fields, 'author_name', 255),
      width: optionalSide(fields, 'width'),
      height: optionalSide(fields, 'height'),
      thumbnailUrl,
    }
  } catch (error) {
    if (error instanceof UnreadableAnswer) throw refused(`its ${error.message} is missing or wrong`)
    throw error
  }
}

/** The oEmbed request for a video: the endpoint with the canonical URL and format=json. */
export function oembedRequestUrl(endpoint: string, video: VideoRef): string {
  const url = new URL(endpoint)
  url.searchParams.set('url', video.url)
  url.searchParams.set('format', 'json')
  return url.toString()
}

/** Asks the provider about the video; every failure is a ServiceError naming the provider. */
export async function fetchVideoFacts(
  video: VideoRef,
  endpoint: string,
  policy: FetchPolicy,
): Promise<VideoFacts> {
  const provider = providerNames[video.provider]
  let answer: Awaited<ReturnType<typeof fetchRemoteImage>>
  try {
    answer = await fetchRemoteImage(oembedRequestUrl(endpoint, video), {
      ...policy,
      maxBytes: OEMBED_MAX_BYTES,
      accept: 'application/json',
    })
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error
    // 401/403/404 from oEmbed: a private, removed or unembeddable video.
    throw new ServiceError(
      error.status === 413 ? 422 : error.status,
      `${provider} could not tell us about that video (is it public and embeddable?): ${error.message}`,
    )
  }
  try {
    return parseOembedAnswer(await readFile(answer.path, 'utf8'), provider)
  } finally {
    await answer.cleanup()
  }
}
