// What templates need to show a post: its addresses, image sources and sizes.

import {
  originalInSrcset,
  type RenditionFormat,
  renditionContentTypes,
  renditionExtensions,
} from '../media/image-pipeline.js'
import type { Post } from '../repositories/posts.js'
import type { Rendition, Sourcefile } from '../repositories/sourcefiles.js'
import { isUploadedVideo } from '../services/gif-videos.js'
import { shareKey } from '../services/share-keys.js'
import { playerUrl, providerNames } from '../services/video-urls.js'
import { imageSizes } from './image-layout.js'

/**
 * Addresses of renditions under /r/KEY. Each format of each width has its own path,
 * /r/KEY/SIZE.EXT (SIZE a responsive width or `full`, the original's own width), rather than
 * one path answered by content negotiation on Accept: <picture> names the types and lets the
 * browser choose, so every answer is the same for everybody, keeps `immutable` for a year in
 * any cache (browser, nginx, CDN) with no `Vary: Accept` splitting it, and nginx's cache key
 * stays the path. The bare /r/KEY/550, /1100, /small, /thumb of MLTSHP still answer with
 * the fallback (JPEG, PNG, or the GIF's own format), falling back to a larger size.
 */
export const renditionPaths: Record<string, string> = {
  original: '',
  w1600: '/1600',
  w1100: '/1100',
  w800: '/800',
  w550: '/550',
  w320: '/320',
  small: '/small',
  thumb: '/thumb',
}

/** From the smallest: a size never made falls back to the next one up. */
const fallbackOrder = ['thumb', 'small', 'w320', 'w550', 'w800', 'w1100', 'w1600', 'original']

const formatOfExtension: Record<string, RenditionFormat> = {
  avif: 'avif',
  webp: 'webp',
  jpg: 'jpeg',
  png: 'png',
  gif: 'gif',
}

/** The format a rendition is stored in: its own, or (older renditions) the image's. */
const formatOf = (r: Rendition, image: ImageOf) => r.format ?? image.format

type ImageOf = Pick<Sourcefile, 'renditions' | 'format'>

/**
 * A name's fallback: the rendition every browser reads (not AVIF, and WebP only when the image
 * has nothing else, as a transparent WebP upload).
 */
export function fallbackNamed(image: ImageOf, name: string): Rendition | undefined {
  let found: Rendition | undefined
  for (const r of image.renditions) {
    if (r.name !== name) continue
    const format = formatOf(r, image)
    if (format === 'avif') continue
    if (format !== 'webp' || image.format === 'webp') return r
    found ??= r
  }
  return found
}

/** The rendition to serve for a requested size: `550`, `small`… or `550.avif`, `full.webp`. */
export function pickRendition(image: ImageOf, size: string): Rendition | undefined {
  // Only animated GIFs and uploaded videos have these, and nothing stands in for them. (An
  // uploaded video's own bytes, the `upload` rendition, are never served.)
  if (size === 'mp4' || size === 'poster') return image.renditions.find((r) => r.name === size)
  const exact = /^(full|\d{3,4})\.([a-z]{3,4})$/.exec(size)
  if (exact) {
    const [, width = '', extension = ''] = exact
    // At the original's width, AVIF and WebP are `full`; the fallback is the original itself.
    const names = width === 'full' ? ['full', 'original'] : [`w${width}`]
    const format = formatOfExtension[extension]
    if (!format || (width !== 'full' && renditionPaths[`w${width}`] === undefined)) return undefined
    return image.renditions.find((r) => names.includes(r.name) && formatOf(r, image) === format)
  }
  const wanted =
    size === ''
      ? 'original'
      : Object.keys(renditionPaths).find((n) => renditionPaths[n] === `/${size}`)
  if (!wanted) return undefined
  for (const name of fallbackOrder.slice(fallbackOrder.indexOf(wanted))) {
    const found = fallbackNamed(image, name)
    if (found) return found
  }
  return undefined
}

/** What a rendition is served as: its format's type (a GIF's video its own, and its poster JPEG
 * when it was made before posters had a format). */
export function renditionContentType(
  rendition: Rendition,
  image: Pick<Sourcefile, 'contentType'>,
): string {
  if (rendition.name === 'mp4') return 'video/mp4'
  if (rendition.name === 'poster' && !rendition.format) return 'image/jpeg'
  return rendition.format ? renditionContentTypes[rendition.format] : image.contentType
}

/** One <source> of a <picture>: a format and its widths. */
export interface ImageSource {
  type: string
  srcset: string
}

/**
 * The srcset candidates: every responsive width the image has, and the original when it is
 * narrower than the largest width (a 4000-wide photo is never sent to a page; its link is).
 * Images from before the responsive widths have 550 and 1100 only.
 */
function srcsetOf(raw: string, image: ImageOf & { width: number }) {
  const names = fallbackOrder.filter((n) => n.startsWith('w') && fallbackNamed(image, n))
  const original = fallbackNamed(image, 'original')
  if (original && (names.length === 0 || originalInSrcset(original.width))) names.push('original')
  const pathOf = (name: string, format: RenditionFormat) =>
    name === 'original'
      ? raw
      : `${raw}/${name === 'full' ? 'full' : name.slice(1)}.${renditionExtensions[format]}`
  const fallbacks = names.map((name) => fallbackNamed(image, name) as Rendition)
  const srcset = fallbacks
    .map((r) => `${pathOf(r.name, formatOf(r, image))} ${r.width}w`)
    .join(', ')
  const sources: ImageSource[] = []
  for (const format of ['avif', 'webp'] as const) {
    // The browser reads the first source whose type it knows: a set with a hole would send it
    // to a larger width than it needs, so a format is offered only complete.
    if (fallbacks.some((r) => formatOf(r, image) === format)) continue
    const found = names.map((name) =>
      image.renditions.find(
        (r) => r.name === (name === 'original' ? 'full' : name) && formatOf(r, image) === format,
      ),
    )
    if (found.length === 0 || found.some((r) => r === undefined)) continue
    sources.push({
      type: renditionContentTypes[format],
      srcset: (found as Rendition[]).map((r) => `${pathOf(r.name, format)} ${r.width}w`).join(', '),
    })
  }
  return { srcset, sources, pathOf }
}

/** What presentPost adds to a post; none of it may share a name with the post's own fields. */
interface PostAddresses {
  key: string
  url: string
  rawUrl: string
  thumbUrl: string
  feedUrl: string
  /** The fallback's srcset (JPEG, or PNG for line art). */
  srcset: string
  /** AVIF and WebP, for <picture>, once the media job has made them. */
  sources: ImageSource[]
  /** How wide the image is shown in each layout (image-layout.ts). */
  sizes: typeof imageSizes
  width: number
  height: number
  largeUrl: string
  largeWidth: number
  largeHeight: number
  fullWidth: number
  fullHeight: number
  animated: boolean
  video:
    | {
        url: string
        posterUrl: string | undefined
        width: number | undefined
        height: number | undefined
        /** An uploaded video (it may have sound), not a GIF's. */
        uploaded: boolean
      }
    | undefined
  /** An uploaded video whose MP4 the media job has not made yet: pages show its poster. */
  videoProcessing: boolean
  /** A video-link post: the player we build and the link the facade falls back to. */
  videoLink:
    | {
        watchUrl: string
        playerUrl: string
        providerName: string
        title: string
        authorName: string
      }
    | undefined
}

// The post's fields are spread after the added ones, which is why no name may be shared.
type Disjoint<A, B> = keyof A & keyof B extends never ? true : never
const addressesAreDisjoint: Disjoint<PostAddresses, Post> = true
void addressesAreDisjoint

export function presentPost(post: Post, filesBaseUrl: string): PostAddresses & Post {
  const key = shareKey(post.id)
  const raw = `${filesBaseUrl}/r/${key}`
  const byName = new Map(post.sourcefile.renditions.map((r) => [r.name, r]))
  const original = byName.get('original')
  const feed = fallbackNamed(post.sourcefile, 'w550') ?? original
  const large = fallbackNamed(post.sourcefile, 'w1100') ?? original
  const uploadedVideo = isUploadedVideo(post.sourcefile)
  const { srcset, sources, pathOf } = srcsetOf(raw, post.sourcefile)
  const urlOf = (r: Rendition | undefined) =>
    r ? pathOf(r.name, formatOf(r, post.sourcefile)) : raw
  // The added fields come first and the post is spread after them: V8 adds properties to the
  // copy `{ ...post, more }` makes one slow map transition at a time (about 4 µs each, over
  // 100 µs per post here), while spreading into a literal that already has them is cheap.
  return {
    key,
    url: `/p/${key}`,
    rawUrl: raw,
    thumbUrl: `${raw}/thumb`,
    feedUrl: urlOf(feed),
    srcset,
    sources,
    sizes: imageSizes,
    width: feed?.width ?? post.sourcefile.width,
    height: feed?.height ?? post.sourcefile.height,
    largeUrl: urlOf(large),
    largeWidth: large?.width ?? post.sourcefile.width,
    largeHeight: large?.height ?? post.sourcefile.height,
    fullWidth: original?.width ?? post.sourcefile.width,
    fullHeight: original?.height ?? post.sourcefile.height,
    animated: post.sourcefile.frames > 1,
    // An animated GIF's MP4 and poster, or an uploaded video's MP4 (its pictures are its
    // poster), once the media job has made them.
    video: byName.has('mp4')
      ? {
          url: `${raw}.mp4`,
          posterUrl: byName.has('poster')
            ? `${raw}/poster`
            : uploadedVideo
              ? urlOf(large)
              : undefined,
          width: byName.get('mp4')?.width,
          height: byName.get('mp4')?.height,
          uploaded: uploadedVideo,
        }
      : undefined,
    videoProcessing: uploadedVideo && !byName.has('mp4'),
    videoLink: post.sourcefile.videoLink
      ? {
          watchUrl: post.sourcefile.videoLink.url,
          playerUrl: playerUrl(post.sourcefile.videoLink),
          providerName: providerNames[post.sourcefile.videoLink.provider],
          title: post.sourcefile.videoLink.title,
          authorName: post.sourcefile.videoLink.authorName,
        }
      : undefined,
    ...post,
  }
}

export type PresentedPost = ReturnType<typeof presentPost>
