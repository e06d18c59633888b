// Turning an upload into a post: the quota, the shake it goes to, the media pipeline for bytes
// the site has not seen before (dedup by SHA-1), storage, then the rows in one transaction.
// A video (MP4, WebM) is probed first; its pictures come from one frame, and the media queue
// re-encodes it for pages to play (services/gif-videos.ts).
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import type { Config, ImageLimits, VideoLimits } from '../config.js'
import type { Database } from '../db/database.js'
import { dbNow, toDbDateTime } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { WorkSignal } from '../jobs/job-names.js'
import { type FetchPolicy, fetchRemoteImage } from '../media/fetch-remote.js'
import { FfmpegFailedError, FfmpegMissingError } from '../media/ffmpeg-run.js'
import {
  type ImageInfo,
  probeImage,
  renderImage,
  type SourceFormat,
  sniffImageFormat,
  UnsupportedImageError,
} from '../media/image-pipeline.js'
import { type TempUpload, TooLargeError } from '../media/temp-file.js'
import {
  probeVideo,
  sniffVideoFormat,
  type VideoFormat,
  videoContentTypes,
} from '../media/video-probe.js'
import { extractPosterFrame } from '../media/video-transcode.js'
import type { Metrics } from '../observability/metrics.js'
import { bytesPostedSince, findRepeatedPost, lockPoster } from '../repositories/posts.js'
import {
  findSourcefileBySha1,
  type Rendition,
  type Sourcefile,
} from '../repositories/sourcefiles.js'
import type { User } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { addressList } from './address-list.js'
import { ServiceError } from './errors.js'
import { cleanFileName, fileNameOfUrl } from './file-names.js'
import { formatBytes } from './format-bytes.js'
import { hasVideo, isUploadedVideo, UPLOADED_VIDEO, wantsVideo } from './gif-videos.js'
import { modernRequestFor } from './modern-renditions.js'
import { writeNewPost } from './new-post-rows.js'
import { checkedPostText } from './post-rules.js'
import { postableShake } from './shake-access.js'
import { shareKey } from './share-keys.js'
import {
  insertSourcefileOnce,
  removeUnownedRenditions,
  StoreUnavailableError,
  storeRenditions,
} from './stored-renditions.js'
import { refuseTakenDownImage } from './takedowns.js'

export interface NewPostInput {
  title: string
  description: string
  altText: string
  /** The shake to post to, as sent by the form; empty means the user's own shake. */
  shakeId: string
  /** The file's name as the sender gave it (cleaned here before it is kept). */
  fileName?: string
}

export interface NewPost {
  id: number
  key: string
}

/** A post repeated within this many seconds is the same form sent twice. */
const REPEAT_WINDOW_SECONDS = 120

/** ffprobe reads every packet of at most VIDEO_MAX_BYTES; one frame is quicker still. */
const VIDEO_PROBE_TIMEOUT_MS = 20_000
const POSTER_FRAME_TIMEOUT_MS = 30_000

// Like image decoding: at most two videos read at a time per web process.
const videoSlots = pLimit(2)

/** The picture the image pipeline makes a post's renditions from. */
interface Picture {
  file: string
  format: SourceFormat
}

/** The words the posting form's script shows too (static/js/upload.js), before any upload. */
const NOT_POSTABLE =
  'That file is not an image or video this site accepts: choose a JPEG, PNG, GIF, WebP, HEIC or AVIF image, or an MP4, MOV or WebM video.'

function notPostable(error: unknown): never {
  throw error instanceof UnsupportedImageError ? new ServiceError(415, NOT_POSTABLE) : error
}

export class PostingService {
  private readonly fetchPolicy: FetchPolicy

  private readonly limits: ImageLimits
  private readonly videoLimits: VideoLimits
  private readonly tools: { ffmpegPath: string; ffprobePath: string }
  private readonly monthlyQuota: number
  private readonly tempDir: string
  /** Sourcefiles being made in this process, by SHA-1. */
  private readonly rendering = new Map<string, Promise<Sourcefile>>()

  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    config: Pick<
      Config,
      | 'images'
      | 'videos'
      | 'ffmpegPath'
      | 'ffprobePath'
      | 'monthlyUploadQuota'
      | 'tmpDir'
      | 'urlFetch'
    >,
    private readonly work: WorkSignal,
    private readonly metrics: Pick<Metrics, 'uploadDuration' | 'imageRenderDuration'>,
  ) {
    this.limits = config.images
    this.videoLimits = config.videos
    this.tools = { ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath }
    this.monthlyQuota = config.monthlyUploadQuota
    this.tempDir = config.tmpDir
    this.fetchPolicy = {
      maxBytes: config.images.maxBytes,
      tempDir: config.tmpDir,
      timeoutMs: config.urlFetch.timeoutSeconds * 1000,
      maxRedirects: 3,
      allowed: addressList(config.urlFetch.allowed),
    }
  }

  /** Fetches the image at the URL and posts it; the temporary file is always removed. */
  async postFromUrl(user: User, url: string, input: NewPostInput): Promise<NewPost> {
    checkedPostText(input)
    await this.shakeFor(user, input.shakeId)
    const upload = await fetchRemoteImage(url, this.fetchPolicy)
    try {
      return await this.postUpload(user, upload, { ...input, fileName: fileNameOfUrl(url) })
    } finally {
      await upload.cleanup()
    }
  }

  /** Posts the uploaded file. The caller still owns (and removes) the temporary file. */
  async postUpload(user: User, upload: TempUpload, input: NewPostInput): Promise<NewPost> {
    const stop = this.metrics.uploadDuration.startTimer()
    try {
      const post = await this.storeUpload(user, upload, input)
      stop({ outcome: 'posted' })
      return post
    } catch (error) {
      // Refused: the file or the request was wrong (4xx); failed: the site was (5xx).
      stop({ outcome: error instanceof ServiceError && error.status < 500 ? 'refused' : 'failed' })
      throw error
    }
  }

  private async storeUpload(user: User, upload: TempUpload, input: NewPostInput): Promise<NewPost> {
    const text = checkedPostText(input)
    if (upload.size === 0) throw new ServiceError(400, 'That file is empty.')
    const video = await sniffVideoFormat(upload.path)
    // The form takes bytes up to the larger of the two limits: each kind is held to its own.
    const maxBytes = video ? this.videoLimits.maxBytes : this.limits.maxBytes
    if (upload.size > maxBytes) throw new TooLargeError(maxBytes)
    const shake = await this.shakeFor(user, input.shakeId)
    await this.checkQuota(user.id, upload.size)
    const sourcefile = await this.sourcefileFor(upload, video)
    const original = sourcefile.renditions.find((r) => r.name === 'original') as Rendition
    const id = await inTransaction(this.db, async (trx) => {
      // The same form sent twice at once (a double click, a retry) posts once: the second
      // request waits for the first and answers with its post.
      await lockPoster(trx, user.id)
      const repeated = await findRepeatedPost(trx, {
        userId: user.id,
        sourcefileId: sourcefile.id,
        shakeId: shake.id,
        ...text,
        since: dbNow(-REPEAT_WINDOW_SECONDS),
      })
      if (repeated !== undefined) return repeated
      const postId = await writeNewPost(trx, {
        userId: user.id,
        shakeId: shake.id,
        sourcefileId: sourcefile.id,
        text,
        fileName: cleanFileName(input.fileName),
        contentType: sourcefile.contentType,
        // A video counts what was uploaded (the quota), not its poster.
        size: isUploadedVideo(sourcefile) ? upload.size : original.size,
      })
      if (wantsVideo(sourcefile) && !hasVideo(sourcefile))
        await enqueue(trx, 'make-video', { sourcefileId: sourcefile.id })
      // The AVIF and WebP copies, made after the answer (services/modern-renditions.ts).
      if (modernRequestFor(sourcefile))
        await enqueue(trx, 'make-renditions', { sourcefileId: sourcefile.id })
      return postId
    })
    this.work.kick()
    return { id, key: shareKey(id) }
  }

  private async timedRender(file: string, info: ImageInfo, workDir: string, format: string) {
    const stop = this.metrics.imageRenderDuration.startTimer({ format })
    try {
      return await renderImage(file, info, workDir)
    } finally {
      stop()
    }
  }

  private shakeFor(user: User, shakeId: string) {
    return postableShake(this.db, user, shakeId)
  }

  private async checkQuota(userId: number, size: number): Promise<void> {
    if (this.monthlyQuota === 0) return
    const now = new Date()
    const monthStart = toDbDateTime(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)))
    const used = await bytesPostedSince(this.db, userId, monthStart)
    if (used + size > this.monthlyQuota) {
      throw new ServiceError(
        403,
        `You have posted ${formatBytes(used)} this month, and the monthly limit is ${formatBytes(this.monthlyQuota)}. It starts again on the first of next month.`,
      )
    }
  }

  /**
   * The stored image for these bytes: found by hash, or made now by the media pipeline. The
   * same bytes arriving twice at once (a form sent twice) are made once: the second waits for
   * the first instead of writing, and maybe removing, the same keys.
   */
  private async sourcefileFor(upload: TempUpload, video?: VideoFormat): Promise<Sourcefile> {
    await refuseTakenDownImage(this.db, upload.sha1)
    const inFlight = this.rendering.get(upload.sha1)
    if (inFlight) return inFlight
    const made = this.makeSourcefile(upload, video)
    this.rendering.set(upload.sha1, made)
    try {
      return await made
    } finally {
      this.rendering.delete(upload.sha1)
    }
  }

  /**
   * A video's poster frame, once ffprobe has read the whole file and found it within the
   * limits: what the post's pictures are made from.
   */
  private posterOf(upload: TempUpload, format: VideoFormat, workDir: string): Promise<Picture> {
    return videoSlots(async () => {
      const info = await probeVideo(upload.path, format, this.videoLimits, {
        ffprobePath: this.tools.ffprobePath,
        timeoutMs: VIDEO_PROBE_TIMEOUT_MS,
      })
      const file = path.join(workDir, 'poster-frame.jpg')
      try {
        await extractPosterFrame(upload.path, info, file, {
          ffmpegPath: this.tools.ffmpegPath,
          timeoutMs: POSTER_FRAME_TIMEOUT_MS,
        })
      } catch (error) {
        if (error instanceof FfmpegMissingError) {
          throw new ServiceError(
            415,
            'This site cannot take videos just now: please upload an image.',
          )
        }
        if (error instanceof FfmpegFailedError) {
          throw new ServiceError(
            422,
            'That video is damaged or incomplete, so it could not be read.',
          )
        }
        throw error
      }
      return { file, format: 'jpeg' }
    })
  }

  private async makeSourcefile(upload: TempUpload, video?: VideoFormat): Promise<Sourcefile> {
    const known = await findSourcefileBySha1(this.db, upload.sha1)
    if (known) return known
    await mkdir(this.tempDir, { recursive: true, mode: 0o700 })
    const workDir = await mkdtemp(path.join(this.tempDir, 'render-'))
    const storedKeys: string[] = []
    try {
      const picture: Picture = video
        ? await this.posterOf(upload, video, workDir)
        : { file: upload.path, format: await sniffImageFormat(upload.path).catch(notPostable) }
      const format = picture.format
      const info = await probeImage(picture.file, format, this.limits)
      const rendered = await this.timedRender(picture.file, info, workDir, video ?? format)
      // Keys come from the content hash, so the same upload always lands on the same keys.
      const renditions = await storeRenditions(this.store, rendered, `i/${upload.sha1}`, storedKeys)
      if (video) {
        // Kept (under a name /r/ never serves) only until the media job has re-encoded it.
        const key = `i/${upload.sha1}/${UPLOADED_VIDEO}.${video}`
        storedKeys.push(key)
        await this.store.put(key, upload.path, videoContentTypes[video]).catch((error: unknown) => {
          throw new StoreUnavailableError(error)
        })
        const { width, height } = info
        renditions.push({ name: UPLOADED_VIDEO, key, width, height, size: upload.size })
      }
      const values = {
        sha1: upload.sha1,
        format: info.format,
        contentType: rendered[0]?.contentType ?? 'application/octet-stream',
        width: info.width,
        height: info.height,
        frames: info.frames,
        renditions,
        uploadSize: upload.size,
      }
      return await insertSourcefileOnce(this.db, values, storedKeys)
    } catch (error) {
      if (storedKeys.length > 0)
        await removeUnownedRenditions(this.db, this.store, this.work, upload.sha1, storedKeys)
      throw error
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
  }
}
