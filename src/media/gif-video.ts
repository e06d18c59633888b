// Animated GIF → MP4 (H.264, yuv420p, even sides, no audio) and a JPEG poster of the first
// frame, made by ffmpeg. The GIF has already passed the image pipeline's header limits and a
// full decode by sharp, but ffmpeg is still handed it as hostile input: the GIF demuxer is
// forced (no format probing), only local files may be opened, and a run is killed after a
// time limit.
import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Videos are shown at most as wide as the largest rendition. */
const MAX_VIDEO_WIDTH = 1100

export interface VideoFile {
  file: string
  width: number
  height: number
  size: number
}

export interface GifVideo {
  video: VideoFile
  poster: VideoFile
}

export interface FfmpegOptions {
  ffmpegPath: string
  timeoutMs: number
}

/** Width and height as ffmpeg's scale filter below makes them: at most 1100 wide, both even. */
export function videoSize(width: number, height: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2)
  const w = even(Math.min(MAX_VIDEO_WIDTH, width))
  return { width: w, height: even((height * w) / width) }
}

/** No ffmpeg on this machine: animated GIFs simply stay GIFs (the embedded default). */
export class FfmpegMissingError extends Error {}

async function ffmpeg(args: string[], options: FfmpegOptions): Promise<void> {
  try {
    await run(
      options.ffmpegPath,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file', ...args],
      { timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
    )
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      throw new FfmpegMissingError(`${options.ffmpegPath} is not installed`)
    const detail = (error as { stderr?: string }).stderr?.trim().slice(0, 500)
    throw new Error(`ffmpeg failed${detail ? `: ${detail}` : ''}`, { cause: error })
  }
}

/** Writes video.mp4 and poster.jpg into outDir. */
export async function makeGifVideo(
  gif: string,
  size: { width: number; height: number },
  outDir: string,
  options: FfmpegOptions,
): Promise<GifVideo> {
  const target = videoSize(size.width, size.height)
  const scale = `scale=${target.width}:${target.height}:flags=lanczos`
  const video = path.join(outDir, 'video.mp4')
  const poster = path.join(outDir, 'poster.jpg')
  await ffmpeg(
    [
      ...['-f', 'gif', '-i', gif],
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-map_metadata', '-1'],
      ...['-vf', scale, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'],
      ...['-pix_fmt', 'yuv420p', '-profile:v', 'high', '-movflags', '+faststart'],
      ...['-threads', '2', '-y', video],
    ],
    options,
  )
  await ffmpeg(
    [
      ...['-f', 'gif', '-i', gif],
      ...['-frames:v', '1', '-vf', scale, '-map_metadata', '-1', '-q:v', '3', '-y', poster],
    ],
    options,
  )
  return {
    video: { file: video, ...target, size: (await stat(video)).size },
    poster: { file: poster, ...target, size: (await stat(poster)).size },
  }
}
