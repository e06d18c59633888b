// Where the bytes of /r/KEY[/size] are: the post's rendition and, for S3, a presigned URL.
// Every look at an image needs this, and the answer rarely changes: it is kept a few seconds
// per node (dropped at once when the post changes), so a busy image costs no database round
// trip and no signing per request.
import type { Database } from '../db/database.js'
import { findPost } from '../repositories/posts.js'
import type { Rendition, Sourcefile } from '../repositories/sourcefiles.js'
import type { FileStore } from '../storage/file-store.js'
import { postTag } from './page-cache.js'
import { idFromShareKey } from './share-keys.js'

export interface RawFile {
  postId: number
  ownerId: number
  key: string
  contentType: string
  /** S3 only: where nginx fetches the bytes. */
  presignedUrl: string | undefined
  /** S3 only: when the presigned URL stops working (ms since the epoch). */
  presignedUntil: number | undefined
}

const MAX_ENTRIES = 10_000
/** Presigned URLs outlive the cache entries that hold them by far. */
const PRESIGNED_SECONDS = 300
/** What a presigned URL must still have left when nginx may use it (a file cache miss). */
const PRESIGNED_MARGIN_SECONDS = 60

/**
 * How long nginx may keep an answer for this file (X-Accel-Expires), at most `maxSeconds`: never
 * past the point where its presigned URL would have too little time left to fetch the file.
 */
export function answerKeepSeconds(file: RawFile, maxSeconds: number, now = Date.now()): number {
  if (file.presignedUntil === undefined) return maxSeconds
  const left = Math.floor((file.presignedUntil - now) / 1000) - PRESIGNED_MARGIN_SECONDS
  return Math.max(0, Math.min(maxSeconds, left))
}

export class RawFiles {
  private readonly entries = new Map<string, { file: RawFile | undefined; expiresAt: number }>()

  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    private readonly pickRendition: (image: Sourcefile, size: string) => Rendition | undefined,
    private readonly contentTypeOf: (rendition: Rendition, image: Sourcefile) => string,
    private readonly ttlMs: number,
  ) {}

  async locate(shareKey: string, size: string): Promise<RawFile | undefined> {
    const cacheKey = `${shareKey.toUpperCase()}/${size}`
    const cached = this.entries.get(cacheKey)
    if (cached && cached.expiresAt > Date.now()) return cached.file
    const file = await this.lookUp(shareKey, size)
    if (this.ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear()
      this.entries.set(cacheKey, { file, expiresAt: Date.now() + this.ttlMs })
    }
    return file
  }

  /** Forgets the posts named by page-cache tags (`*`: all). */
  invalidate(tags: readonly string[]): void {
    if (tags.includes('*')) {
      this.entries.clear()
      return
    }
    const dropped = new Set(tags)
    for (const [cacheKey, entry] of this.entries) {
      if (entry.file && dropped.has(postTag(entry.file.postId))) this.entries.delete(cacheKey)
    }
  }

  private async lookUp(shareKey: string, size: string): Promise<RawFile | undefined> {
    const id = idFromShareKey(shareKey)
    const post = id === undefined ? undefined : await findPost(this.db, id)
    const rendition = post && this.pickRendition(post.sourcefile, size)
    if (!post || !rendition) return undefined
    // Counted from before the signing: the URL lives at least this long.
    const signedAt = Date.now()
    return {
      postId: post.id,
      ownerId: post.userId,
      key: rendition.key,
      contentType: this.contentTypeOf(rendition, post.sourcefile),
      presignedUrl:
        this.store.kind === 's3'
          ? await this.store.presignedGetUrl(rendition.key, PRESIGNED_SECONDS)
          : undefined,
      presignedUntil: this.store.kind === 's3' ? signedAt + PRESIGNED_SECONDS * 1000 : undefined,
    }
  }
}
