// The image pipeline. Every upload is treated as hostile: its type is read from its bytes, its
// header is checked against the limits before any pixel is decoded, and what gets stored is a
// fresh encoding made by sharp (orientation applied, every metadata block dropped), never the
// uploaded bytes. Photos in HEIF (HEIC from phones, AVIF) are stored as JPEG: AVIF is decoded
// by sharp, HEIC (HEVC, which sharp's libvips cannot decode) by libheif's tool in a bounded
// child process (heif-decoder.ts), whose output goes through the same checks again.
import { mkdtemp, open, rm } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import type {
  Metadata,
  ResizeOptions,
  Sharp,
  default as SharpConstructor,
  SharpOptions,
} from 'sharp'
import type { ImageLimits } from '../config.js'
import type { ImageFormat } from '../db/schema.js'
import { ServiceError } from '../services/errors.js'
import {
  decodeHeif,
  type HeifDecodeOptions,
  HeifDecoderMissingError,
  HeifDecodeTimeoutError,
  heifDecoderAvailable,
} from './heif-decoder.js'

let sharpLoaded: Promise<typeof SharpConstructor> | undefined

/**
 * sharp and libvips, loaded at the first image (tens of MB resident: a web process that never
 * takes an upload never pays for them), and locked down before any use.
 */
function loadSharp(): Promise<typeof SharpConstructor> {
  sharpLoaded ??= import('sharp').then(({ default: sharp }) => {
    // Only the loaders the site accepts are reachable; every other libvips loader (TIFF, PDF,
    // SVG, ImageMagick...) is blocked, whatever the bytes claim to be. HEIF is read only from
    // files sniffed as HEIF (sniffImageFormat refuses any other file in its container); its
    // libheif decodes AV1 (AVIF) but has no HEVC decoder, so HEIC pixels never reach it.
    sharp.block({ operation: ['VipsForeignLoad'] })
    // Unblocking a loader class unblocks its file, buffer and source variants.
    sharp.unblock({
      operation: [
        'VipsForeignLoadJpeg',
        'VipsForeignLoadPng',
        'VipsForeignLoadNsgif',
        'VipsForeignLoadWebp',
        'VipsForeignLoadHeif',
      ],
    })
    // A long-running web process: no libvips operation cache growing in the background.
    sharp.cache(false)
    return sharp
  })
  return sharpLoaded
}

// Decoding is CPU and memory heavy: at most two images at a time per process.
const imageSlots = pLimit(2)

/** What an upload is, by its bytes: the stored formats, or HEIF (stored as JPEG). */
export type SourceFormat = ImageFormat | 'heif'

const mimeToFormat: Record<string, SourceFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  // One container (HEIF, an ISO BMFF file) whatever its brand says: the codec inside is read
  // from the header by probeImage. Image sequences (heic-sequence, heif-sequence) are refused.
  'image/heic': 'heif',
  'image/heif': 'heif',
  'image/avif': 'heif',
}

export const contentTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
}

export const extensions: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
}

/** How an image's pixels are read. */
export type PixelReader =
  /** sharp reads the file itself (an AVIF: the page of its primary image). */
  | { kind: 'libvips'; page?: number }
  /** A HEIC: the outside decoder writes every top-level image, the primary one is used. */
  | { kind: 'heif-decoder'; images: number; primary: number; options: HeifDecodeOptions }

export interface ImageInfo {
  /** The format stored and served. */
  format: ImageFormat
  /** Upright size of one frame (EXIF orientation, or HEIF's rotation and mirroring, applied). */
  width: number
  height: number
  /** Frames stored: a HEIF's primary image only. */
  frames: number
  reader: PixelReader
}

/** original, w320 … w1600 (RESPONSIVE_WIDTHS), small, thumb. */
export type RenditionName = string

/** Every format a rendition may be stored in: the image's own, and the modern ones. */
export type RenditionFormat = ImageFormat | 'avif'

export const renditionContentTypes: Record<RenditionFormat, string> = {
  ...{ jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' },
  avif: 'image/avif',
}

export const renditionExtensions: Record<RenditionFormat, string> = {
  ...{ jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp' },
  avif: 'avif',
}

export interface RenderedFile {
  name: RenditionName
  format: RenditionFormat
  file: string
  width: number
  height: number
  size: number
  contentType: string
  extension: string
}

/** The bytes are no image this site reads (a post's upload says more: videos are taken too). */
export class UnsupportedImageError extends ServiceError {
  constructor() {
    super(
      415,
      'That file is not an image this site accepts: please upload a JPEG, PNG, GIF, WebP, HEIC or AVIF.',
    )
  }
}
const unsupported = () => new UnsupportedImageError()
const corrupt = () =>
  new ServiceError(422, 'That image is damaged or incomplete, so it could not be read.')
const heicUnreadable = () =>
  new ServiceError(
    415,
    'This server cannot read HEIC photos yet: please upload it as a JPEG (on an iPhone, Settings › Camera › Formats › Most Compatible takes JPEG photos).',
  )
const tooSlow = () =>
  new ServiceError(422, 'That photo took too long to read, so it was not posted.')

/** An ISO media file (HEIF, and MP4 or MOV too) names its brand in an "ftyp" box at byte 4. */
const isIsoMediaFile = (head: Buffer) => head.toString('latin1', 4, 8) === 'ftyp'

/** The format, read from the file's first bytes; the name and declared type are never used. */
export async function sniffImageFormat(file: string): Promise<SourceFormat> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(4100)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    if (bytesRead === 0) throw new ServiceError(400, 'That file is empty.')
    const { fileTypeFromBuffer } = await import('file-type')
    const type = await fileTypeFromBuffer(head.subarray(0, bytesRead))
    const format = type && mimeToFormat[type.mime]
    if (!format) throw unsupported()
    // libvips picks its loader from the bytes, not from this answer: a file that is both
    // (JPEG magic and a HEIF header) must not reach the HEIF loader as a "JPEG".
    if (isIsoMediaFile(head) !== (format === 'heif')) throw unsupported()
    return format
  } finally {
    await handle.close()
  }
}

/** The outside decoder's bounds, from the limits: what the largest image allowed needs. */
function heifDecodeOptions(limits: ImageLimits): HeifDecodeOptions {
  return {
    decoderPath: limits.heifDecoder.path,
    timeoutMs: limits.heifDecoder.timeoutMs,
    // A 12 MP photo decodes in about 100 MB resident; address space counts thread stacks and
    // malloc arenas too. 16 bytes a pixel over a 256 MiB base is about twice what is needed.
    memoryBytes: 256 * 2 ** 20 + limits.maxPixels * 16,
    // A 16-bit RGBA PNG (HDR photos) of the largest image allowed, and room for its headers.
    maxFileBytes: limits.maxPixels * 8 + 2 ** 20,
  }
}

/** How a HEIF file's pixels will be read, from its header's codec. */
async function heifReader(meta: Metadata, images: number, limits: ImageLimits) {
  const primary = meta.pagePrimary ?? 0
  switch (meta.compression) {
    case 'av1':
      return { kind: 'libvips', page: primary } as const
    case 'hevc':
      if (!(await heifDecoderAvailable(limits.heifDecoder.path))) throw heicUnreadable()
      return { kind: 'heif-decoder', images, primary, options: heifDecodeOptions(limits) } as const
    default:
      throw unsupported()
  }
}

/** Reads the header and refuses what breaks a limit, before decoding any pixels. */
export async function probeImage(
  file: string,
  format: SourceFormat,
  limits: ImageLimits,
): Promise<ImageInfo> {
  const sharp = await loadSharp()
  let meta: Metadata
  try {
    meta = await sharp(file, { failOn: 'warning', limitInputPixels: false }).metadata()
  } catch {
    throw corrupt()
  }
  if (meta.format !== format) throw unsupported()
  const frames = meta.pages ?? 1
  const width = meta.autoOrient?.width ?? meta.width
  const height = meta.autoOrient?.height ?? meta.height
  if (!width || !height) throw corrupt()
  const tooLarge = (why: string) => new ServiceError(422, `That image is too large: ${why}.`)
  if (width > limits.maxSide || height > limits.maxSide) {
    throw tooLarge(
      `its sides can be at most ${limits.maxSide} pixels, and it is ${width}×${height}`,
    )
  }
  if (width * height > limits.maxPixels) {
    throw tooLarge(`it can have at most ${(limits.maxPixels / 1e6).toFixed(0)} megapixels`)
  }
  if (frames > limits.maxFrames) {
    throw new ServiceError(
      422,
      format === 'heif'
        ? `That file holds too many images: at most ${limits.maxFrames} are allowed.`
        : `That animation has too many frames: at most ${limits.maxFrames} are allowed.`,
    )
  }
  if (width * height * frames > limits.maxTotalPixels) {
    throw tooLarge('the animation has too many pixels across its frames')
  }
  if ((meta.channels ?? 0) > 4) throw unsupported()
  if (format !== 'heif') return { format, width, height, frames, reader: { kind: 'libvips' } }
  const reader = await heifReader(meta, frames, limits)
  return { format: 'jpeg', width, height, frames: 1, reader }
}

/** The decoder's image for this file, checked again: a PNG of the size its header promised. */
async function decodedPrimary(
  file: string,
  outDir: string,
  info: ImageInfo,
  reader: Extract<PixelReader, { kind: 'heif-decoder' }>,
): Promise<string> {
  let written: string[]
  try {
    written = await decodeHeif(file, outDir, reader.options)
  } catch (error) {
    if (error instanceof HeifDecoderMissingError) throw heicUnreadable()
    if (error instanceof HeifDecodeTimeoutError) throw tooSlow()
    throw corrupt()
  }
  const primary = written[reader.primary]
  if (written.length !== reader.images || !primary) throw corrupt()
  const sharp = await loadSharp()
  const meta = await sharp(primary, { limitInputPixels: false })
    .metadata()
    .catch(() => {
      throw corrupt()
    })
  if (meta.format !== 'png' || meta.width !== info.width || meta.height !== info.height)
    throw corrupt()
  return primary
}

/**
 * Runs use with a sharp reading the image's pixels, at most as many as its header promised.
 * A HEIC is first decoded by the outside decoder into a private folder beside the upload (the
 * site's temporary folder), removed when use is done.
 */
async function withPixels<T>(
  file: string,
  info: ImageInfo,
  use: (image: Sharp) => Promise<T>,
): Promise<T> {
  const sharp = await loadSharp()
  const checks: SharpOptions = {
    failOn: 'warning',
    limitInputPixels: info.width * info.height * info.frames,
    limitInputChannels: 4,
  }
  const { reader } = info
  if (reader.kind === 'libvips') {
    return use(
      sharp(file, {
        ...checks,
        autoOrient: true,
        ...(info.frames > 1 ? { pages: -1 } : {}),
        ...(reader.page !== undefined ? { page: reader.page } : {}),
      }),
    )
  }
  const outDir = await mkdtemp(path.join(path.dirname(file), 'heif-'))
  try {
    const decoded = await decodedPrimary(file, outDir, info, reader)
    // libheif has turned the pixels upright; an EXIF orientation it copied into the PNG
    // describes the stored pixels, not these, and must not turn them again.
    return await use(sharp(decoded, { ...checks, autoOrient: false }))
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

function encode(pipeline: Sharp, format: ImageFormat, quality: number): Sharp {
  switch (format) {
    case 'jpeg':
      // A HEIF stored as JPEG may have had an alpha channel: white shows through it.
      return pipeline
        .flatten({ background: '#ffffff' })
        .jpeg({ quality, progressive: true, chromaSubsampling: '4:2:0' })
    case 'png':
      return pipeline.png({ compressionLevel: 6, adaptiveFiltering: true })
    case 'webp':
      return pipeline.webp({ quality })
    case 'gif':
      return pipeline.gif({ effort: 4 })
  }
}

/**
 * The widths pages choose from (srcset), in CSS pixels × device pixel ratio: a phone's stream
 * card (about 360 px) at DPR 1 to 3 and the post page (up to 716 px) at DPR 1 to 2 each find a
 * candidate close above what they need. An image gets the widths below its own, and its own
 * width when that is under the largest (no upscaling).
 */
export const RESPONSIVE_WIDTHS = [320, 550, 800, 1100, 1600] as const
const LARGEST_WIDTH = RESPONSIVE_WIDTHS[RESPONSIVE_WIDTHS.length - 1] as number

/** The rendition name of a responsive width. */
export const widthName = (width: number) => `w${width}`

/**
 * The fallback every browser reads, and the modern formats offered beside it in <picture>.
 * `png` is kept only where it is really smaller than JPEG (flat line art), or where the image
 * is transparent.
 */
export type FallbackFormat = 'jpeg' | 'png' | 'webp' | 'gif'
export type ModernFormat = 'avif' | 'webp'

/** A still image gets the responsive set and modern formats; an animation keeps its format. */
export function isStill(info: { format: ImageFormat; frames: number }): boolean {
  return info.frames === 1 && info.format !== 'gif'
}

/** The responsive widths this image gets, below its own width. */
export function responsiveWidths(imageWidth: number): number[] {
  return RESPONSIVE_WIDTHS.filter((w) => w < imageWidth)
}

/** Whether the original itself is a srcset candidate (it is narrower than the largest width). */
export const originalInSrcset = (imageWidth: number) => imageWidth <= LARGEST_WIDTH

// Quality settings measured on a 12 MP photo (bench/README.md, "Image bytes"): visually equal
// at about a third of the bytes of JPEG q85 for AVIF. AVIF effort 2: effort 4 saves 10-15%
// more bytes for three to five times the time.
// JPEG q80 without mozjpeg: mozjpeg's trellis search saved 3% of the bytes at 1100 wide and
// made the request's encodes twice as slow; modern browsers take the AVIF anyway.
const FALLBACK_JPEG = { quality: 80, progressive: true, chromaSubsampling: '4:2:0' } as const
const AVIF = { quality: 50, effort: 2, chromaSubsampling: '4:2:0' } as const
/** Line art in AVIF: a higher quality keeps its edges clean. */
const AVIF_LINE_ART = { quality: 70, effort: 2, chromaSubsampling: '4:4:4' } as const
const WEBP = { quality: 75, effort: 4 } as const
const WEBP_LOSSLESS = { lossless: true, effort: 4 } as const

function encodeFallback(pipeline: Sharp, format: FallbackFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.flatten({ background: '#ffffff' }).jpeg(FALLBACK_JPEG)
    case 'png':
      return pipeline.png({ compressionLevel: 9, adaptiveFiltering: true })
    case 'webp':
      return pipeline.webp(WEBP)
    case 'gif':
      return pipeline.gif({ effort: 4 })
  }
}

function encodeModern(pipeline: Sharp, format: ModernFormat, lineArt: boolean): Sharp {
  if (format === 'avif') return pipeline.avif(lineArt ? AVIF_LINE_ART : AVIF)
  return pipeline.webp(lineArt ? WEBP_LOSSLESS : WEBP)
}

interface Plan {
  name: RenditionName
  resize?: ResizeOptions
}

/** Which renditions an image gets: never upscaled, so small images skip the larger widths. */
export function renditionPlan(info: ImageInfo): Plan[] {
  const plans: Plan[] = [{ name: 'original' }]
  if (isStill(info)) {
    for (const width of responsiveWidths(info.width))
      plans.push({ name: widthName(width), resize: { width, withoutEnlargement: true } })
  } else {
    // An animation is shown as its video (the media job): its frames keep today's two widths.
    if (info.width > 1100)
      plans.push({ name: 'w1100', resize: { width: 1100, withoutEnlargement: true } })
    if (info.width > 550)
      plans.push({ name: 'w550', resize: { width: 550, withoutEnlargement: true } })
  }
  plans.push({
    name: 'small',
    resize: { width: 270, height: 200, fit: 'inside', withoutEnlargement: true },
  })
  plans.push({
    name: 'thumb',
    resize: { width: 100, height: 100, fit: 'cover', position: 'centre' },
  })
  return plans
}

/**
 * The fallback format of a still image's resized renditions, chosen once per image by size: a
 * JPEG photo stays JPEG; a PNG or WebP with transparency keeps its format (JPEG has none);
 * an opaque one is JPEG unless PNG is smaller at 320 wide (flat line art, where PNG wins and
 * JPEG would blur the edges).
 */
async function chooseFallback(source: Sharp, info: ImageInfo): Promise<FallbackFormat> {
  if (info.format === 'jpeg') return 'jpeg'
  const meta = await source.clone().metadata()
  if (meta.hasAlpha) return info.format === 'webp' ? 'webp' : 'png'
  const probe = source.clone().resize({ width: Math.min(320, info.width) })
  const [png, jpeg] = await Promise.all([
    encodeFallback(probe.clone(), 'png').toBuffer(),
    encodeFallback(probe.clone(), 'jpeg').toBuffer(),
  ])
  return png.length < jpeg.length ? 'png' : 'jpeg'
}

function rendered(
  name: RenditionName,
  format: ImageFormat | ModernFormat,
  file: string,
  out: { width: number; height: number; size: number; pageHeight?: number },
  animated: boolean,
): RenderedFile {
  return {
    name,
    format,
    file,
    width: out.width,
    height: animated && out.pageHeight ? out.pageHeight : out.height,
    size: out.size,
    contentType: renditionContentTypes[format],
    extension: renditionExtensions[format],
  }
}

/**
 * Runs use on the image's pixels in one of the image slots. A limit's refusal says which limit;
 * anything else the decoder or encoder throws is the file's fault: "corrupt".
 */
function decoded<T>(file: string, info: ImageInfo, use: (image: Sharp) => Promise<T>): Promise<T> {
  return imageSlots(async () => {
    try {
      return await withPixels(file, info, use)
    } catch (error) {
      if (error instanceof ServiceError) throw error
      throw corrupt()
    }
  })
}

/**
 * Decodes the image (failing on any decoder warning) and writes every rendition into outDir:
 * the original in its format, the responsive widths in the fallback format, small and thumb.
 * The AVIF and WebP copies are made later by the media job (renderModernFormats): their
 * encoders are slow, and the fallbacks are enough to answer the upload.
 * Metadata is not copied to any output: sharp writes none unless asked.
 */
export function renderImage(
  file: string,
  info: ImageInfo,
  outDir: string,
): Promise<RenderedFile[]> {
  const animated = info.frames > 1
  return decoded(file, info, async (source) => {
    const fallback = isStill(info) ? await chooseFallback(source, info) : info.format
    return Promise.all(
      renditionPlan(info).map(async (plan) => {
        let pipeline = source.clone()
        if (plan.resize) pipeline = pipeline.resize(plan.resize)
        const responsive = plan.name.startsWith('w') && isStill(info)
        const format = responsive ? fallback : info.format
        const target = path.join(outDir, `${plan.name}.${renditionExtensions[format]}`)
        const out = await (responsive
          ? encodeFallback(pipeline, fallback)
          : encode(pipeline, info.format, plan.name === 'original' ? 90 : 85)
        ).toFile(target)
        return rendered(plan.name, format, target, out, animated)
      }),
    )
  })
}

/** What the media job is asked to make of a still image. */
export interface ModernRequest {
  /** Responsive widths whose fallback is missing (images stored before they existed). */
  fallbackWidths: number[]
  /** Widths (0: the original's, named `full`) to make in AVIF and WebP, with the formats each lacks. */
  modern: Array<{ width: number; formats: ModernFormat[] }>
  /** The fallback format of the image's other responsive renditions, when it has any. */
  fallback?: FallbackFormat
}

/**
 * The AVIF and WebP renditions of a still image (and any responsive fallback it lacks),
 * decoded from its stored original. Line art (a PNG fallback) gets lossless WebP and a
 * higher-quality AVIF. Runs in the media job, never in a request.
 */
export function renderModernFormats(
  file: string,
  info: ImageInfo,
  outDir: string,
  request: ModernRequest,
): Promise<RenderedFile[]> {
  return decoded(file, info, async (source) => {
    const fallback = request.fallback ?? (await chooseFallback(source, info))
    const lineArt = fallback === 'png'
    const resized = (width: number) =>
      width === 0 ? source.clone() : source.clone().resize({ width, withoutEnlargement: true })
    // The original's own width in AVIF and WebP is `full` (`original` stays the one file).
    const nameOf = (width: number) => (width === 0 ? 'full' : widthName(width))
    const out: RenderedFile[] = []
    // One encode at a time: AVIF already uses every core, and memory stays flat.
    for (const width of request.fallbackWidths) {
      const target = path.join(outDir, `${nameOf(width)}.${renditionExtensions[fallback]}`)
      const made = await encodeFallback(resized(width), fallback).toFile(target)
      out.push(rendered(nameOf(width), fallback, target, made, false))
    }
    for (const { width, formats } of request.modern) {
      for (const format of formats) {
        const target = path.join(outDir, `${nameOf(width)}.${renditionExtensions[format]}`)
        const made = await encodeModern(resized(width), format, lineArt).toFile(target)
        out.push(rendered(nameOf(width), format, target, made, false))
      }
    }
    return out
  })
}

/** A square 200×200 JPEG avatar, cropped from the centre. */
export function renderAvatar(file: string, info: ImageInfo, target: string): Promise<void> {
  return decoded(file, { ...info, frames: 1 }, async (image) => {
    await image
      .resize(200, 200, { fit: 'cover', position: 'centre' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88 })
      .toFile(target)
  })
}

/**
 * An animation's poster: its first frame at the video's size, in WebP. It is the first thing a
 * stream that opens on an animation paints, and a <video> poster has no <picture> to offer a
 * choice of formats: WebP is the one every browser that plays the MP4 shows, at about half a
 * JPEG's bytes (ffmpeg’s JPEG was 150 KB for a 480×360 frame of noise, this 55 KB).
 */
export function renderPoster(
  file: string,
  info: ImageInfo,
  size: { width: number; height: number },
  target: string,
): Promise<{ width: number; height: number; size: number }> {
  return decoded(file, { ...info, frames: 1 }, async (image) => {
    const out = await image
      .resize(size.width, size.height, { fit: 'fill' })
      .webp({ quality: 75, effort: 4 })
      .toFile(target)
    return { width: out.width, height: out.height, size: out.size }
  })
}

/** A shake's picture: a 96×96 centre-cropped square and a banner at most 568 wide. */
export function renderShakeImage(
  file: string,
  info: ImageInfo,
  square: string,
  banner: string,
): Promise<void> {
  return decoded(file, { ...info, frames: 1 }, async (image) => {
    await image
      .clone()
      .resize(96, 96, { fit: 'cover' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88 })
      .toFile(square)
    await image
      .clone()
      .resize({ width: 568, height: 568, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88 })
      .toFile(banner)
  })
}
