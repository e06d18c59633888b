// Animated GIFs play as videos: a `make-video` job (media queue) turns the stored GIF into an
// MP4 (ffmpeg) and a WebP poster (sharp) once per image, and adds them to the image's
// renditions. Until it has run, and wherever video cannot play, pages show the GIF itself.
// Uploaded videos (MP4, WebM) take the same road: their pictures are made from a poster frame
// at upload, the uploaded bytes wait under the `upload` rendition (never served), and the same
// job re-encodes them to the MP4 pages play, then deletes the uploaded bytes.
import path from 'node:path'
import { inTransaction } from '../db/transaction.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads } from '../jobs/job-names.js'
import { PermanentJobError } from '../jobs/retry.js'
import { FfmpegMissingError } from '../media/ffmpeg-run.js'
import { makeGifVideo } from '../media/gif-video.js'
import { probeImage, renderPoster } from '../media/image-pipeline.js'
import { probeVideo, sniffVideoFormat } from '../media/video-probe.js'
import { transcodeVideo } from '../media/video-transcode.js'
import {
  addRenditions,
  findSourcefileById,
  type Rendition,
  type Sourcefile,
} from '../repositories/sourcefiles.js'
import { ServiceError } from './errors.js'
import { withStoredFileCopy } from './stored-file-copy.js'

/** ffmpeg gets this long per run before it is killed (the job is then retried). */
const FFMPEG_TIMEOUT_MS = 120_000
/** A minute of 4K phone video takes a few minutes to re-encode on a small worker. */
const TRANSCODE_TIMEOUT_MS = 15 * 60_000
const PROBE_TIMEOUT_MS = 30_000

/** The rendition holding an uploaded video's own bytes until the job has re-encoded them. */
export const UPLOADED_VIDEO = 'upload'

type Renditions = Pick<Sourcefile, 'renditions'>

function hasRendition(sourcefile: Renditions, name: string): boolean {
  return sourcefile.renditions.some((r) => r.name === name)
}

/** An uploaded video (its pictures are a poster frame), re-encoded or still waiting to be. */
export function isUploadedVideo(sourcefile: { format: string } & Renditions): boolean {
  if (sourcefile.format === 'gif') return false
  return hasRendition(sourcefile, UPLOADED_VIDEO) || hasRendition(sourcefile, 'mp4')
}

/** Animations are worth a video (a one-frame GIF stays a picture), and uploaded videos need one. */
export function wantsVideo(
  sourcefile: Pick<Sourcefile, 'format' | 'frames' | 'renditions'>,
): boolean {
  return (
    (sourcefile.format === 'gif' && sourcefile.frames > 1) ||
    hasRendition(sourcefile, UPLOADED_VIDEO)
  )
}

export function hasVideo(sourcefile: Pick<Sourcefile, 'renditions'>): boolean {
  return sourcefile.renditions.some((r) => r.name === 'mp4')
}

/** The job: idempotent, so a retry or a second upload of the same GIF changes nothing. */
export async function makeVideo(
  ctx: JobContext,
  payload: JobPayloads['make-video'],
): Promise<void> {
  const sourcefile = await findSourcefileById(ctx.db, payload.sourcefileId)
  if (!sourcefile || !wantsVideo(sourcefile) || hasVideo(sourcefile)) return
  if (hasRendition(sourcefile, UPLOADED_VIDEO)) return reencodeUploadedVideo(ctx, sourcefile)
  const original = sourcefile.renditions.find((r) => r.name === 'original')
  if (!original) return
  return withStoredFileCopy(
    ctx,
    original.key,
    { prefix: 'video-', fileName: 'original.gif' },
    async (gif, workDir) => {
      let made: Awaited<ReturnType<typeof makeGifVideo>>
      try {
        made = await makeGifVideo(gif, original, workDir, {
          ffmpegPath: ctx.config.ffmpegPath,
          timeoutMs: FFMPEG_TIMEOUT_MS,
        })
      } catch (error) {
        // Not a failure to retry: without ffmpeg the GIF itself is what pages show.
        return withoutFfmpeg(ctx, error)
      }
      const posterFile = path.join(workDir, 'poster.webp')
      const info = await probeImage(gif, 'gif', ctx.config.images)
      const posterMade = await renderPoster(gif, info, made, posterFile)
      const base = `i/${sourcefile.sha1}`
      const video: Rendition = { name: 'mp4', key: `${base}/video.mp4`, ...dimensions(made) }
      // Posters made before they were WebP are JPEGs under poster.jpg, with no format.
      const poster: Rendition = {
        name: 'poster',
        key: `${base}/poster.webp`,
        format: 'webp',
        ...dimensions(posterMade),
      }
      // Keys come from the content hash: a second run writes the same files again, harmlessly.
      await ctx.store.put(video.key, made.file, 'video/mp4')
      await ctx.store.put(poster.key, posterFile, 'image/webp')
      await inTransaction(ctx.db, (trx) => addRenditions(trx, sourcefile.id, [video, poster]))
      ctx.log.info(
        { sourcefileId: sourcefile.id, bytes: made.size, gifBytes: original.size },
        'made a video of an animated GIF',
      )
    },
  )
}

function dimensions(file: { width: number; height: number; size: number }) {
  return { width: file.width, height: file.height, size: file.size }
}

/** Ends a video job that cannot work on this machine: the post keeps showing its pictures. */
function withoutFfmpeg(ctx: JobContext, error: unknown): void {
  if (!(error instanceof FfmpegMissingError)) throw error
  ctx.log.warn({ err: error }, 'videos are not made: install ffmpeg (and ffprobe)')
}

/**
 * An uploaded video, read again as hostile input (the same probe as at upload), re-encoded,
 * stored as `mp4`; then its uploaded bytes are dropped from the renditions and the store.
 */
async function reencodeUploadedVideo(ctx: JobContext, sourcefile: Sourcefile): Promise<void> {
  const uploaded = sourcefile.renditions.find((r) => r.name === UPLOADED_VIDEO) as Rendition
  return withStoredFileCopy(
    ctx,
    uploaded.key,
    { prefix: 'video-', fileName: 'upload' },
    async (source, workDir) => {
      const format = await sniffVideoFormat(source)
      if (!format) throw new PermanentJobError(`${uploaded.key} is not a video`)
      let made: Awaited<ReturnType<typeof transcodeVideo>>
      try {
        const info = await probeVideo(source, format, ctx.config.videos, {
          ffprobePath: ctx.config.ffprobePath,
          timeoutMs: PROBE_TIMEOUT_MS,
        })
        made = await transcodeVideo(
          source,
          info,
          ctx.config.videos.maxSeconds,
          path.join(workDir, 'video.mp4'),
          {
            ffmpegPath: ctx.config.ffmpegPath,
            timeoutMs: TRANSCODE_TIMEOUT_MS,
          },
        )
      } catch (error) {
        // Accepted at upload, so a refusal now (limits lowered since) will not change on a retry.
        if (error instanceof ServiceError) throw new PermanentJobError(error.message)
        return withoutFfmpeg(ctx, error)
      }
      const video: Rendition = {
        name: 'mp4',
        key: `i/${sourcefile.sha1}/video.mp4`,
        ...dimensions(made),
      }
      await ctx.store.put(video.key, made.file, 'video/mp4')
      await inTransaction(ctx.db, (trx) =>
        addRenditions(trx, sourcefile.id, [video], [UPLOADED_VIDEO]),
      )
      // No row names the uploaded bytes any more; a failed delete leaves an unnamed file that
      // the next try of this job does not see, so it is logged for the operator.
      await ctx.store.delete([uploaded.key]).catch((error: unknown) => {
        ctx.log.warn({ err: error, key: uploaded.key }, 'an uploaded video was not deleted')
      })
      ctx.log.info(
        { sourcefileId: sourcefile.id, bytes: made.size, uploadBytes: uploaded.size },
        'made the video of an uploaded video',
      )
    },
  )
}
