// Video uploads (MP4, WebM, and the QuickTime files iPhones make) are hostile input like images: the container is read from the
// bytes, then ffprobe (that container's demuxer forced, local files only, killed after a few
// seconds) reads every packet once, and the stream list, length and size are checked against
// the limits before anything is decoded or stored.
import { open } from 'node:fs/promises'
import type { VideoLimits } from '../config.js'
import { ServiceError } from '../services/errors.js'
import {
  FfmpegFailedError,
  FfmpegMissingError,
  type FfprobeOptions,
  runFfprobe,
} from './ffmpeg-run.js'

export type VideoFormat = 'mp4' | 'mov' | 'webm'

/** ffmpeg's demuxer for each accepted container: forced, so no other parser ever sees the bytes. */
export const videoDemuxers: Record<VideoFormat, string> = { mp4: 'mp4', mov: 'mov', webm: 'webm' }

/** What the uploaded bytes are stored as until the re-encode. */
export const videoContentTypes: Record<VideoFormat, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
}

const mimeToVideoFormat: Record<string, VideoFormat> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
}

/** What each container may carry: the codecs phones and browsers record. */
const videoCodecs: Record<VideoFormat, readonly string[]> = {
  mp4: ['h264', 'hevc', 'mpeg4', 'av1', 'vp9'],
  mov: ['h264', 'hevc', 'mpeg4'],
  webm: ['vp8', 'vp9', 'av1'],
}

/** Audio kept in the re-encoded video; any other audio track is dropped, not refused. */
const audioCodecs: readonly string[] = ['aac', 'mp3', 'opus', 'vorbis']

/**
 * Phones record at most 4K (3840×2160, either way up); anything larger is not a phone video,
 * and is refused before a frame of it is decoded.
 */
const MAX_SIDE = 4096
const MAX_PIXELS = 4096 * 2304

export interface VideoInfo {
  format: VideoFormat
  /** Upright size (the rotation phones record is applied). */
  width: number
  height: number
  seconds: number
  /** The streams the re-encode reads (ffmpeg's index in the file); no audio track: silent. */
  videoStream: number
  audioStream: number | undefined
}

interface ProbedStream {
  index?: number
  codec_type?: string
  codec_name?: string
  width?: number
  height?: number
  duration?: string
  disposition?: { attached_pic?: number }
  side_data_list?: Array<{ rotation?: number }>
}

interface Probe {
  streams?: ProbedStream[]
  format?: { duration?: string }
}

const damaged = () =>
  new ServiceError(422, 'That video is damaged or incomplete, so it could not be read.')

/** The video container, read from the file's first bytes; undefined for anything else. */
export async function sniffVideoFormat(file: string): Promise<VideoFormat | undefined> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(4100)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    if (bytesRead === 0) return undefined
    const { fileTypeFromBuffer } = await import('file-type')
    const type = await fileTypeFromBuffer(head.subarray(0, bytesRead))
    return type && mimeToVideoFormat[type.mime]
  } finally {
    await handle.close()
  }
}

/** ffprobe's reading of the file: every packet read (so a cut-off file shows), none decoded. */
async function ffprobe(file: string, format: VideoFormat, options: FfprobeOptions): Promise<Probe> {
  let output: { stdout: string; stderr: string }
  try {
    output = await runFfprobe(
      [
        ...['-f', videoDemuxers[format], '-count_packets'],
        ...['-show_entries', 'format=duration'],
        ...['-show_entries', 'stream=index,codec_type,codec_name,width,height,duration'],
        ...['-show_entries', 'stream_disposition=attached_pic:stream_side_data=rotation'],
        ...['-of', 'json', `file:${file}`],
      ],
      options,
    )
  } catch (error) {
    if (error instanceof FfmpegMissingError) {
      throw new ServiceError(
        415,
        'This site cannot take videos just now: please upload an image (JPEG, PNG, GIF, WebP, HEIC or AVIF).',
      )
    }
    if (error instanceof FfmpegFailedError) throw damaged()
    throw error
  }
  // A demuxer that had to complain (a packet past the end of the file, a broken header) read a
  // damaged file, even when it still printed a stream list.
  if (output.stderr.trim() !== '') throw damaged()
  try {
    return JSON.parse(output.stdout) as Probe
  } catch {
    throw damaged()
  }
}

/** Where the video stream's last packet ends, for a container that does not say its length. */
async function packetSeconds(
  file: string,
  format: VideoFormat,
  stream: number,
  options: FfprobeOptions,
): Promise<number> {
  const { stdout } = await runFfprobe(
    [
      ...['-f', videoDemuxers[format], '-select_streams', String(stream)],
      ...['-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', `file:${file}`],
    ],
    options,
  ).catch(() => {
    // More packets than the bounded output holds is no video anyone recorded.
    throw damaged()
  })
  let end = 0
  for (const line of stdout.split('\n')) {
    const [pts = '', length = ''] = line.split(',')
    end = Math.max(end, seconds(pts) + seconds(length))
  }
  return end
}

function seconds(value: string | undefined): number {
  const parsed = Number.parseFloat(value ?? '')
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0
}

/** Reads the container and refuses what breaks a limit, before anything is decoded. */
export async function probeVideo(
  file: string,
  format: VideoFormat,
  limits: VideoLimits,
  options: FfprobeOptions,
): Promise<VideoInfo> {
  const probe = await ffprobe(file, format, options)
  const streams = probe.streams ?? []
  // A cover picture in an audio file is a "video" stream too, but not a video.
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1)
  if (!video) {
    throw new ServiceError(422, 'That file has no video in it. Please upload a video, or an image.')
  }
  const codec = video.codec_name ?? 'unknown'
  if (!videoCodecs[format].includes(codec)) {
    throw new ServiceError(
      415,
      `That video is encoded as ${codec}, which this site does not accept: please upload an MP4 (H.264 or HEVC) or a WebM (VP8, VP9 or AV1).`,
    )
  }
  const declared = Math.max(
    seconds(probe.format?.duration),
    ...streams.map((s) => seconds(s.duration)),
  )
  // Browsers' recordings (MediaRecorder WebM) carry no length: their packets tell it.
  const duration =
    declared > 0 ? declared : await packetSeconds(file, format, video.index ?? 0, options)
  if (duration === 0) throw damaged()
  if (duration > limits.maxSeconds + 0.05) {
    throw new ServiceError(
      422,
      `That video is ${Math.ceil(duration)} seconds long; videos can be at most ${limits.maxSeconds} seconds.`,
    )
  }
  const coded = { width: video.width ?? 0, height: video.height ?? 0 }
  if (coded.width < 2 || coded.height < 2) throw damaged()
  if (
    coded.width > MAX_SIDE ||
    coded.height > MAX_SIDE ||
    coded.width * coded.height > MAX_PIXELS
  ) {
    throw new ServiceError(
      422,
      `That video is too large: it is ${coded.width}×${coded.height}, and videos can be at most 4K (${MAX_SIDE} pixels a side).`,
    )
  }
  const rotation = Math.abs(
    video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0,
  )
  const sideways = rotation % 180 === 90
  return {
    format,
    width: sideways ? coded.height : coded.width,
    height: sideways ? coded.width : coded.height,
    seconds: duration,
    videoStream: video.index ?? 0,
    audioStream: streams.find(
      (s) => s.codec_type === 'audio' && audioCodecs.includes(s.codec_name ?? ''),
    )?.index,
  }
}
