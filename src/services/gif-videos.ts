// Animated GIFs play as videos: a `make-video` job (media queue) turns the stored GIF into an
// MP4 and a poster once per image, and adds them to the image's renditions. Until it has run,
// and wherever video cannot play, pages show the GIF itself.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { inTransaction } from '../db/transaction.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads } from '../jobs/job-names.js'
import { FfmpegMissingError, makeGifVideo } from '../media/gif-video.js'
import {
  addRenditions,
  findSourcefileById,
  type Rendition,
  type Sourcefile,
} from '../repositories/sourcefiles.js'

/** ffmpeg gets this long per run before it is killed (the job is then retried). */
const FFMPEG_TIMEOUT_MS = 120_000

/** Only animations are worth a video; a one-frame GIF stays a picture. */
export function wantsVideo(sourcefile: Pick<Sourcefile, 'format' | 'frames'>): boolean {
  return sourcefile.format === 'gif' && sourcefile.frames > 1
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
  const original = sourcefile.renditions.find((r) => r.name === 'original')
  if (!original) return
  await mkdir(ctx.config.tmpDir, { recursive: true, mode: 0o700 })
  const workDir = await mkdtemp(path.join(ctx.config.tmpDir, 'video-'))
  try {
    const gif = path.join(workDir, 'original.gif')
    await ctx.store.download(original.key, gif)
    let made: Awaited<ReturnType<typeof makeGifVideo>>
    try {
      made = await makeGifVideo(gif, original, workDir, {
        ffmpegPath: ctx.config.ffmpegPath,
        timeoutMs: FFMPEG_TIMEOUT_MS,
      })
    } catch (error) {
      // Not a failure to retry: without ffmpeg the GIF itself is what pages show.
      if (!(error instanceof FfmpegMissingError)) throw error
      ctx.log.warn({ err: error }, 'animated GIFs stay GIFs: install ffmpeg to make videos')
      return
    }
    const base = `i/${sourcefile.sha1}`
    const video: Rendition = { name: 'mp4', key: `${base}/video.mp4`, ...dimensions(made.video) }
    const poster: Rendition = {
      name: 'poster',
      key: `${base}/poster.jpg`,
      ...dimensions(made.poster),
    }
    // Keys come from the content hash: a second run writes the same files again, harmlessly.
    await ctx.store.put(video.key, made.video.file, 'video/mp4')
    await ctx.store.put(poster.key, made.poster.file, 'image/jpeg')
    await inTransaction(ctx.db, (trx) => addRenditions(trx, sourcefile.id, [video, poster]))
    ctx.log.info(
      { sourcefileId: sourcefile.id, bytes: made.video.size, gifBytes: original.size },
      'made a video of an animated GIF',
    )
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

function dimensions(file: { width: number; height: number; size: number }) {
  return { width: file.width, height: file.height, size: file.size }
}
