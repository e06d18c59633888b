// Which video links the site takes (YouTube and Vimeo), what each one canonically is, and the
// player address we build from the video's id. Nothing here trusts the link beyond the id it
// reads out of it: every address the site later shows or asks for is rebuilt from that id.
import { ValidationError } from './errors.js'
import { WEB_ADDRESS_MAX } from './text-rules.js'

export const videoProviders = ['youtube', 'vimeo'] as const
export type VideoProvider = (typeof videoProviders)[number]

/** A video as named by a link someone posted, reduced to what we trust. */
export interface VideoRef {
  provider: VideoProvider
  /** YouTube: 11 characters of [A-Za-z0-9_-]; Vimeo: digits. */
  id: string
  /** The one address the video is known by here (dedup is by this). */
  url: string
}

export const providerNames: Record<VideoProvider, string> = {
  youtube: 'YouTube',
  vimeo: 'Vimeo',
}

/** The only origins a page may frame (the CSP's frame-src): our players' hosts. */
export const playerOrigins = ['https://www.youtube-nocookie.com', 'https://player.vimeo.com']

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/
const VIMEO_ID = /^[1-9][0-9]{0,11}$/
const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com'])
const VIMEO_HOSTS = new Set(['vimeo.com', 'www.vimeo.com'])

const refuse = (message: string) => new ValidationError({ url: message })

function ref(provider: VideoProvider, id: string): VideoRef {
  const url =
    provider === 'youtube' ? `https://www.youtube.com/watch?v=${id}` : `https://vimeo.com/${id}`
  return { provider, id, url }
}

function youtubeId(url: URL, host: string): string | undefined {
  if (host === 'youtu.be') return /^\/([^/]+)\/?$/.exec(url.pathname)?.[1]
  if (!YOUTUBE_HOSTS.has(host)) return undefined
  if (url.pathname === '/watch' || url.pathname === '/watch/')
    return url.searchParams.get('v') ?? ''
  return /^\/shorts\/([^/]+)\/?$/.exec(url.pathname)?.[1] ?? ''
}

/**
 * The video a posted link names. Refuses (400, on the url field) anything that is not a
 * YouTube watch, youtu.be or shorts link or a vimeo.com/NUMBER link with a well-formed id.
 */
export function parseVideoUrl(input: string): VideoRef {
  const text = input.trim()
  if (text === '') throw refuse('Paste the link of a YouTube or Vimeo video.')
  if (text.length > WEB_ADDRESS_MAX) throw refuse('That link is too long.')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw refuse('That is not a web address. Paste the link of a YouTube or Vimeo video.')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refuse('Only http:// and https:// links to YouTube or Vimeo videos can be posted.')
  if (url.username || url.password) throw refuse('Links with a user name or password are refused.')
  if (url.port !== '') throw refuse('Only YouTube and Vimeo videos can be posted by their link.')
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'youtu.be' || YOUTUBE_HOSTS.has(host)) {
    const id = youtubeId(url, host)
    if (!id || !YOUTUBE_ID.test(id)) throw refuse('That YouTube link does not name a video.')
    return ref('youtube', id)
  }
  if (VIMEO_HOSTS.has(host)) {
    const id = /^\/([^/]+)\/?$/.exec(url.pathname)?.[1]
    if (!id || !VIMEO_ID.test(id)) throw refuse('That Vimeo link does not name a video.')
    return ref('vimeo', id)
  }
  throw refuse('Only YouTube and Vimeo videos can be posted by their link.')
}

/** The player we frame, built from the id alone (YouTube's privacy-enhanced host). */
export function playerUrl(video: { provider: VideoProvider; id: string }): string {
  return video.provider === 'youtube'
    ? `https://www.youtube-nocookie.com/embed/${video.id}`
    : `https://player.vimeo.com/video/${video.id}`
}
