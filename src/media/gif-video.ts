// Animated GIF → MP4 (H.264, yuv420p, even sides, no audio), made by ffmpeg; its poster (the
// first frame) is made by sharp, image-pipeline's renderPoster. The GIF has already passed the
// image pipeline's header limits and a full decode by sharp, but ffmpeg is still handed it as
// hostile input: the GIF demuxer is forced (no format probing), only local files may be
// opened, and a run is killed after a time limit.
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { type FfmpegOptions, runFfmpeg as ffmpeg } from './ffmpeg-run.js'

export { FfmpegMissingError, type FfmpegOptions } from './ffmpeg-run.js'

/** Videos are shown at most as wide as the largest rendition. */
const MAX_VIDEO_WIDTH = 1100

export interface VideoFile {
  file: string
  width: number
  height: number
  size: number
}

/** Width and height as ffmpeg's scale filter below makes them: at most 1100 wide, both even. */
export function videoSize(width: number, height: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2)
  const w = even(Math.min(MAX_VIDEO_WIDTH, width))
  return { width: w, height: even((height * w) / width) }
}

export function scaleFilter(target: { width: number; height: number }): string {
  return `scale=${target.width}:${target.height}:flags=lanczos`
}

/** The video every page plays: H.264 (high profile, yuv420p) scaled to the target, in an MP4
 * whose index comes first so playback starts before the whole file has arrived. */
export function h264Output(target: { width: number; height: number }): string[] {
  return [
    ...['-vf', scaleFilter(target), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23'],
    ...['-pix_fmt', 'yuv420p', '-profile:v', 'high', '-movflags', '+faststart'],
    ...['-threads', '2'],
  ]
}

/** Writes video.mp4 into outDir. */
export async function makeGifVideo(
  gif: string,
  size: { width: number; height: number },
  outDir: string,
  options: FfmpegOptions,
): Promise<VideoFile> {
  const target = videoSize(size.width, size.height)
  const video = path.join(outDir, 'video.mp4')
  await ffmpeg(
    [
      ...['-f', 'gif', '-i', gif],
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-map_metadata', '-1'],
      ...h264Output(target),
      ...['-y', video],
    ],
    options,
  )
  return { file: video, ...target, size: (await stat(video)).size }
}
