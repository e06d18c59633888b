// Posting a video by its link (MLKSHK's /tools/save-video). The link is reduced to a provider
// and an id (services/video-urls.ts); a video seen before is found by the SHA-1 of its canonical
// URL (as MLTSHP hashes the URL), otherwise the provider's oEmbed endpoint is asked about it
// and its thumbnail is fetched once and made into renditions like an upload, stored by us and
// served from /r/KEY. The post is then an ordinary post of that sourcefile, so streams, likes,
// saves, comments, search and feeds take it as they take images.
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { WorkSignal } from '../jobs/job-names.js'
import { type FetchPolicy, fetchRemoteImage } from '../media/fetch-remote.js'
import { probeImage, renderImage, sniffImageFormat } from '../media/image-pipeline.js'
import { findOwnPostInShake, lockPoster } from '../repositories/posts.js'
import {
  findSourcefileBySha1,
  type Sourcefile,
  type VideoLink,
} from '../repositories/sourcefiles.js'
import type { User } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { addressList } from './address-list.js'
import { ServiceError } from './errors.js'
import { modernRequestFor } from './modern-renditions.js'
import { writeNewPost } from './new-post-rows.js'
import { checkedPostText, TITLE_MAX } from './post-rules.js'
import type { NewPost } from './posting.js'
import { postableShake } from './shake-access.js'
import { shareKey } from './share-keys.js'
import {
  insertSourcefileOnce,
  removeUnownedRenditions,
  storeRenditions,
} from './stored-renditions.js'
import { refuseTakenDownImage } from './takedowns.js'
import { fetchVideoFacts, plainText } from './video-oembed.js'
import { parseVideoUrl, providerNames, type VideoRef } from './video-urls.js'

export interface NewVideoLinkInput {
  url: string
  /** Empty: the video's own title. */
  title: string
  description: string
  /** The shake to post to, as sent by the form; empty means the user's own shake. */
  shakeId: string
}

/** A thumbnail is a small picture: this is plenty, and bounds what a provider makes us fetch. */
const THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024

export class VideoLinkService {
  private readonly fetchPolicy: FetchPolicy
  private readonly config: Pick<Config, 'images' | 'tmpDir' | 'videoOembedEndpoints'>
  /** Videos being asked about and stored in this process, by SHA-1 of their URL. */
  private readonly making = new Map<string, Promise<Sourcefile>>()

  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    config: Pick<Config, 'images' | 'tmpDir' | 'urlFetch' | 'videoOembedEndpoints'>,
    private readonly work: WorkSignal,
  ) {
    this.config = config
    this.fetchPolicy = {
      maxBytes: Math.min(config.images.maxBytes, THUMBNAIL_MAX_BYTES),
      tempDir: config.tmpDir,
      timeoutMs: config.urlFetch.timeoutSeconds * 1000,
      maxRedirects: 3,
      allowed: addressList(config.urlFetch.allowed),
    }
  }

  /**
   * Posts the video the link names. The same person posting the same video to the same shake
   * again gets their earlier post back (`repeated`), not a second one.
   */
  async post(user: User, input: NewVideoLinkInput): Promise<NewPost & { repeated: boolean }> {
    const text = checkedPostText({ ...input, altText: '' })
    const video = parseVideoUrl(input.url)
    const shake = await postableShake(this.db, user, input.shakeId)
    const sourcefile = await this.sourcefileFor(video)
    const videoLink = sourcefile.videoLink as VideoLink
    const result = await inTransaction(this.db, async (trx) => {
      await lockPoster(trx, user.id)
      const known = await findOwnPostInShake(trx, {
        userId: user.id,
        sourcefileId: sourcefile.id,
        shakeId: shake.id,
      })
      if (known !== undefined) return { id: known, repeated: true }
      const postId = await writeNewPost(trx, {
        userId: user.id,
        shakeId: shake.id,
        sourcefileId: sourcefile.id,
        text: { ...text, title: text.title || plainText(videoLink.title, TITLE_MAX), altText: '' },
        // As MLTSHP: a link post is named by its URL, is text/html, and weighs nothing
        // against the upload quota.
        fileName: videoLink.url,
        contentType: 'text/html',
        size: 0,
      })
      // The thumbnail's AVIF and WebP copies, made after the answer (modern-renditions.ts).
      if (modernRequestFor(sourcefile))
        await enqueue(trx, 'make-renditions', { sourcefileId: sourcefile.id })
      return { id: postId, repeated: false }
    })
    if (!result.repeated) this.work.kick()
    return { id: result.id, key: shareKey(result.id), repeated: result.repeated }
  }

  /** The stored video: found by its URL's hash, or asked about and stored now (once at a time). */
  private async sourcefileFor(video: VideoRef): Promise<Sourcefile> {
    const sha1 = createHash('sha1').update(video.url).digest('hex')
    await refuseTakenDownImage(this.db, sha1)
    const inFlight = this.making.get(sha1)
    if (inFlight) return inFlight
    const made = this.findOrMake(video, sha1)
    this.making.set(sha1, made)
    try {
      return await made
    } finally {
      this.making.delete(sha1)
    }
  }

  private async findOrMake(video: VideoRef, sha1: string): Promise<Sourcefile> {
    const known = await findSourcefileBySha1(this.db, sha1)
    if (known?.videoLink) return known
    // Only bytes that happen to hash like the URL could be here; never show them as the video.
    if (known) throw new ServiceError(409, 'That video cannot be posted here.')
    const facts = await fetchVideoFacts(
      video,
      this.config.videoOembedEndpoints[video.provider],
      this.fetchPolicy,
    )
    const videoLink: VideoLink = {
      provider: video.provider,
      id: video.id,
      url: video.url,
      title: facts.title,
      authorName: facts.authorName,
      width: facts.width,
      height: facts.height,
    }
    const thumbnail = await fetchRemoteImage(facts.thumbnailUrl, this.fetchPolicy).catch(
      (error: unknown) => {
        if (!(error instanceof ServiceError)) throw error
        throw new ServiceError(
          error.status,
          `The video's picture from ${providerNames[video.provider]} could not be fetched: ${error.message}`,
        )
      },
    )
    try {
      return await this.storeVideo(sha1, thumbnail, videoLink)
    } finally {
      await thumbnail.cleanup()
    }
  }

  private async storeVideo(
    sha1: string,
    thumbnail: { path: string; size: number },
    videoLink: VideoLink,
  ): Promise<Sourcefile> {
    const format = await sniffImageFormat(thumbnail.path).catch((error: unknown) => {
      if (!(error instanceof ServiceError)) throw error
      throw new ServiceError(error.status, `The video's picture is not an image we can use.`)
    })
    const info = await probeImage(thumbnail.path, format, this.config.images)
    await mkdir(this.config.tmpDir, { recursive: true, mode: 0o700 })
    const workDir = await mkdtemp(path.join(this.config.tmpDir, 'render-'))
    const storedKeys: string[] = []
    try {
      const rendered = await renderImage(thumbnail.path, info, workDir)
      // Under the URL's hash: a takedown of the video removes i/SHA1/ like an image's files.
      const renditions = await storeRenditions(this.store, rendered, `i/${sha1}`, storedKeys)
      const values = {
        sha1,
        format: info.format,
        contentType: rendered[0]?.contentType ?? 'application/octet-stream',
        width: info.width,
        height: info.height,
        frames: info.frames,
        renditions,
        uploadSize: thumbnail.size,
        videoLink,
      }
      // A video posted by two people at once: the other's row, if it is the same video.
      return await insertSourcefileOnce(this.db, values, storedKeys, (winner) => !!winner.videoLink)
    } catch (error) {
      if (storedKeys.length > 0)
        await removeUnownedRenditions(this.db, this.store, this.work, sha1, storedKeys)
      throw error
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
  }
}
