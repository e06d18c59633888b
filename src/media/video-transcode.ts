// An uploaded video, after video-probe.ts has accepted it: one frame as the poster (at upload
// time, so the post has pictures at once) and the H.264 MP4 pages play (the media queue's job).
// ffmpeg gets the same guards as for GIFs: the container's demuxer forced, local files only, a
// time limit; and it never writes more than the accepted length.
import { stat } from 'node:fs/promises'
import { FfmpegFailedError, type FfmpegOptions, runFfmpeg } from './ffmpeg-run.js'
import { h264Output, type VideoFile, videoSize } from './gif-video.js'
import { type VideoFormat, type VideoInfo, videoDemuxers } from './video-probe.js'

/**
 * A JPEG of one frame at full size, upright (ffmpeg applies the recorded rotation), for the
 * image pipeline to make the post's pictures from. A second in, past the black first frame
 * many phone videos start with; shorter videos give their first frame.
 */
export async function extractPosterFrame(
  video: string,
  info: { format: VideoFormat; seconds: number; videoStream: number },
  target: string,
  options: FfmpegOptions,
): Promise<void> {
  await runFfmpeg(
    [
      ...['-f', videoDemuxers[info.format], '-ss', info.seconds >= 2 ? '1' : '0'],
      ...['-i', `file:${video}`, '-map', `0:${info.videoStream}`, '-frames:v', '1'],
      ...['-map_metadata', '-1', '-q:v', '2', '-f', 'image2', '-y', target],
    ],
    options,
  )
  // ffmpeg ends well without writing a frame when there was none to decode.
  const written = await stat(target).catch(() => undefined)
  if (!written || written.size === 0) throw new FfmpegFailedError('ffmpeg wrote no poster frame')
}

/**
 * The video as every browser plays it: H.264 in an MP4 at most 1100 wide (like GIF videos),
 * at most 60 frames a second, with the accepted audio track as AAC. Sound is kept: a phone
 * video is usually meant to be heard (pages start it muted, and the controls unmute it).
 */
export async function transcodeVideo(
  video: string,
  info: VideoInfo,
  maxSeconds: number,
  target: string,
  options: FfmpegOptions,
): Promise<VideoFile> {
  const size = videoSize(info.width, info.height)
  const audio =
    info.audioStream === undefined
      ? ['-an']
      : ['-map', `0:${info.audioStream}`, '-c:a', 'aac', '-b:a', '128k', '-ac', '2']
  await runFfmpeg(
    [
      ...['-f', videoDemuxers[info.format], '-i', `file:${video}`],
      ...['-map', `0:${info.videoStream}`, ...audio, '-sn', '-dn'],
      // Never longer than accepted, whatever the container claimed.
      ...['-map_metadata', '-1', '-map_chapters', '-1', '-t', String(maxSeconds)],
      ...['-fpsmax', '60'],
      ...h264Output(size),
      ...['-y', target],
    ],
    options,
  )
  return { file: target, ...size, size: (await stat(target)).size }
}
