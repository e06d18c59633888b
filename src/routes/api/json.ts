// The API's JSON shapes, close to MLTSHP's documented ones (developerdocs/reference.rst):
// sharedfile, user, shake and comment, with ISO 8601 UTC timestamps to the second.
import type { Comment } from '../../repositories/comments.js'
import type { Post } from '../../repositories/posts.js'
import type { Shake } from '../../repositories/shakes.js'
import type { User } from '../../repositories/users.js'
import { shareKey } from '../../services/share-keys.js'

export interface ApiAddresses {
  /** The site, for pages and pictures: https://example.com */
  baseUrl: string
  /** Where raw files are served (FILES_BASE_URL, or the site). */
  filesBaseUrl: string
}

/** What the reader's own view adds to posts (from StreamService.readerState). */
export interface ReaderState {
  liked: Set<number>
  saved: Set<number>
}

export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** MLTSHP's clients load it as an image: never null, the default picture when there is none. */
function pictureUrl(at: ApiAddresses, avatarKey: string | null): string {
  return avatarKey ? `${at.baseUrl}/${avatarKey}` : `${at.baseUrl}${DEFAULT_PICTURE_PATH}`
}

export const DEFAULT_PICTURE_PATH = '/static/images/default-avatar.svg'

/** A person as embedded in posts, comments and shakes. */
export function userSummary(
  at: ApiAddresses,
  user: { id: number; name: string; avatarKey: string | null },
) {
  return { id: user.id, name: user.name, profile_image_url: pictureUrl(at, user.avatarKey) }
}

/** The user resource: the summary, the profile and their shakes. */
export function userJson(
  at: ApiAddresses,
  user: User,
  shakes: ReadonlyArray<ReturnType<typeof shakeJson>>,
) {
  return { ...userSummary(at, user), about: user.about, website: user.website, shakes }
}

export function shakeJson(at: ApiAddresses, shake: Shake, owner: User) {
  const path = shake.type === 'user' ? `/user/${owner.name}` : `/${shake.name}`
  return {
    id: shake.id,
    // MLTSHP's display name: a user shake is called what its owner is called.
    name: shake.type === 'user' ? owner.fullName || owner.name : shake.title || shake.name,
    path: shake.name,
    owner: userSummary(at, owner),
    url: `${at.baseUrl}${path}`,
    // A user shake shows its owner's picture; a group without one, the default (as MLTSHP).
    thumbnail_url: shake.imageKey
      ? `${at.baseUrl}/${shake.imageKey}-96.jpg`
      : pictureUrl(at, shake.type === 'user' ? owner.avatarKey : null),
    description: shake.description,
    type: shake.type,
    created_at: timestamp(shake.createdAt),
    updated_at: timestamp(shake.updatedAt),
  }
}

/** A post; `pivotKey` is the key that pages the stream it was read from. */
export function sharedfileJson(
  at: ApiAddresses,
  post: Post,
  state: ReaderState,
  pivotKey?: string,
) {
  const key = shareKey(post.id)
  return {
    sharekey: key,
    // The file's name as uploaded; posts from before it was kept are named after their key.
    name:
      post.fileName ||
      `${key}.${post.sourcefile.format === 'jpeg' ? 'jpg' : post.sourcefile.format}`,
    title: post.title,
    description: post.description,
    // MLTSHP stores no alt text as NULL, and its clients test for null.
    alt_text: post.altText === '' ? null : post.altText,
    user: userSummary(at, { id: post.userId, name: post.userName, avatarKey: post.userAvatarKey }),
    posted_at: timestamp(post.createdAt),
    permalink_page: `${at.baseUrl}/p/${key}`,
    width: post.sourcefile.width,
    height: post.sourcefile.height,
    views: post.viewCount,
    likes: post.likeCount,
    saves: post.saveCount,
    comments: post.commentCount,
    nsfw: post.nsfw,
    // As MLTSHP: an image has its file's address, a video link (type "link") the video's.
    ...(post.sourcefile.videoLink
      ? { type: 'link' as const, url: post.sourcefile.videoLink.url }
      : { type: 'image' as const, original_image_url: `${at.filesBaseUrl}/r/${key}` }),
    pivot_id: pivotKey ?? key,
    liked: state.liked.has(post.id),
    saved: state.saved.has(post.id),
  }
}

export function commentJson(at: ApiAddresses, comment: Comment) {
  return {
    id: comment.id,
    body: comment.body,
    user: userSummary(at, {
      id: comment.userId,
      name: comment.userName,
      avatarKey: comment.userAvatarKey,
    }),
    posted_at: timestamp(comment.createdAt),
    likes: comment.likeCount,
  }
}
