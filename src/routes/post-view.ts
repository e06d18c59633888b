// What templates need to show a post: its addresses, image sources and sizes.
import type { Post } from '../repositories/posts.js'
import type { Rendition } from '../repositories/sourcefiles.js'
import { isUploadedVideo } from '../services/gif-videos.js'
import { shareKey } from '../services/share-keys.js'
import { playerUrl, providerNames } from '../services/video-urls.js'

/** URL path segment for each rendition under /r/KEY. */
export const renditionPaths: Record<string, string> = {
  original: '',
  w1100: '/1100',
  w550: '/550',
  small: '/small',
  thumb: '/thumb',
}

/** The rendition to serve for a requested size; sizes never made (small images) fall back upward. */
export function pickRendition(
  renditions: readonly Rendition[],
  size: string,
): Rendition | undefined {
  // Only animated GIFs and uploaded videos have these, and nothing stands in for them. (An
  // uploaded video's own bytes, the `upload` rendition, are never served.)
  if (size === 'mp4' || size === 'poster') return renditions.find((r) => r.name === size)
  const order = ['thumb', 'small', 'w550', 'w1100', 'original']
  const wanted =
    size === ''
      ? 'original'
      : Object.keys(renditionPaths).find((n) => renditionPaths[n] === `/${size}`)
  if (!wanted) return undefined
  for (const name of order.slice(order.indexOf(wanted))) {
    const found = renditions.find((r) => r.name === name)
    if (found) return found
  }
  return undefined
}

/** What a rendition is served as: the image's own type, except a GIF's video and poster. */
export function renditionContentType(rendition: Rendition, imageType: string): string {
  if (rendition.name === 'mp4') return 'video/mp4'
  if (rendition.name === 'poster') return 'image/jpeg'
  return imageType
}

/** What postView adds to a post; none of it may share a name with the post's own fields. */
interface PostAddresses {
  key: string
  url: string
  rawUrl: string
  thumbUrl: string
  feedUrl: string
  srcset: string
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

export function postView(post: Post, filesBaseUrl: string): PostAddresses & Post {
  const key = shareKey(post.id)
  const raw = `${filesBaseUrl}/r/${key}`
  const byName = new Map(post.sourcefile.renditions.map((r) => [r.name, r]))
  const original = byName.get('original')
  const feed = byName.get('w550') ?? original
  const large = byName.get('w1100') ?? original
  const uploadedVideo = isUploadedVideo(post.sourcefile)
  const srcset = ['w550', 'w1100', 'original']
    .map((name) => byName.get(name))
    .filter((r): r is Rendition => r !== undefined)
    .map((r) => `${raw}${renditionPaths[r.name]} ${r.width}w`)
    .join(', ')
  // The added fields come first and the post is spread after them: V8 adds properties to the
  // copy `{ ...post, more }` makes one slow map transition at a time (about 4 µs each, over
  // 100 µs per post here), while spreading into a literal that already has them is cheap.
  return {
    key,
    url: `/p/${key}`,
    rawUrl: raw,
    thumbUrl: `${raw}/thumb`,
    feedUrl: `${raw}${renditionPaths[feed?.name ?? 'original']}`,
    srcset,
    width: feed?.width ?? post.sourcefile.width,
    height: feed?.height ?? post.sourcefile.height,
    largeUrl: `${raw}${renditionPaths[large?.name ?? 'original']}`,
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
              ? `${raw}${renditionPaths[large?.name ?? 'original']}`
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

export type PostView = ReturnType<typeof postView>
