// The image pipeline. Every upload is treated as hostile: its type is read from its bytes, its
// header is checked against the limits before any pixel is decoded, and what gets stored is a
// fresh encoding made by sharp (orientation applied, every metadata block dropped), never the
// uploaded bytes.
import { open } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import type { Metadata, ResizeOptions, Sharp, default as SharpConstructor } from 'sharp'
import type { ImageLimits } from '../config.js'
import type { ImageFormat } from '../db/schema.js'
import { ServiceError } from '../services/errors.js'

let sharpLoaded: Promise<typeof SharpConstructor> | undefined

/**
 * sharp and libvips, loaded at the first image (tens of MB resident: a web process that never
 * takes an upload never pays for them), and locked down before any use.
 */
function loadSharp(): Promise<typeof SharpConstructor> {
  sharpLoaded ??= import('sharp').then(({ default: sharp }) => {
    // Only the four loaders the site accepts are reachable; every other libvips loader (TIFF,
    // HEIF, PDF, SVG, ImageMagick...) is blocked, whatever the bytes claim to be.
    sharp.block({ operation: ['VipsForeignLoad'] })
    // Unblocking a loader class unblocks its file, buffer and source variants.
    sharp.unblock({
      operation: [
        'VipsForeignLoadJpeg',
        'VipsForeignLoadPng',
        'VipsForeignLoadNsgif',
        'VipsForeignLoadWebp',
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

const mimeToFormat: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
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

export interface ImageInfo {
  format: ImageFormat
  /** Upright size of one frame (EXIF orientation applied). */
  width: number
  height: number
  frames: number
}

export type RenditionName = 'original' | 'w1100' | 'w550' | 'small' | 'thumb'

export interface RenderedFile {
  name: RenditionName
  file: string
  width: number
  height: number
  size: number
  contentType: string
  extension: string
}

const unsupported = () =>
  new ServiceError(
    415,
    'That file is not an image this site accepts: please upload a JPEG, PNG, GIF or WebP.',
  )
const corrupt = () =>
  new ServiceError(422, 'That image is damaged or incomplete, so it could not be read.')

/** The format, read from the file's first bytes; the name and declared type are never used. */
export async function sniffImageFormat(file: string): Promise<ImageFormat> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(4100)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    if (bytesRead === 0) throw new ServiceError(400, 'That file is empty.')
    const { fileTypeFromBuffer } = await import('file-type')
    const type = await fileTypeFromBuffer(head.subarray(0, bytesRead))
    const format = type && mimeToFormat[type.mime]
    if (!format) throw unsupported()
    return format
  } finally {
    await handle.close()
  }
}

/** A decoder for an image already probed: its own pixel count is the most it may decode. */
async function decoder(file: string, info: ImageInfo): Promise<Sharp> {
  const sharp = await loadSharp()
  const animated = info.frames > 1
  return sharp(file, {
    failOn: 'warning',
    limitInputPixels: info.width * info.height * info.frames,
    limitInputChannels: 4,
    autoOrient: true,
    ...(animated ? { pages: -1 } : {}),
  })
}

/** Reads the header and refuses what breaks a limit, before decoding any pixels. */
export async function probeImage(
  file: string,
  format: ImageFormat,
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
      `That animation has too many frames: at most ${limits.maxFrames} are allowed.`,
    )
  }
  if (width * height * frames > limits.maxTotalPixels) {
    throw tooLarge('the animation has too many pixels across its frames')
  }
  if ((meta.channels ?? 0) > 4) throw unsupported()
  return { format, width, height, frames }
}

function encode(pipeline: Sharp, format: ImageFormat, quality: number): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality, progressive: true, chromaSubsampling: '4:2:0' })
    case 'png':
      return pipeline.png({ compressionLevel: 6, adaptiveFiltering: true })
    case 'webp':
      return pipeline.webp({ quality })
    case 'gif':
      return pipeline.gif({ effort: 4 })
  }
}

interface Plan {
  name: RenditionName
  resize?: ResizeOptions
}

/** Which renditions an image gets: never upscaled, so small images skip the feed widths. */
export function renditionPlan(info: ImageInfo): Plan[] {
  const plans: Plan[] = [{ name: 'original' }]
  if (info.width > 1100)
    plans.push({ name: 'w1100', resize: { width: 1100, withoutEnlargement: true } })
  if (info.width > 550)
    plans.push({ name: 'w550', resize: { width: 550, withoutEnlargement: true } })
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
 * Decodes the image (failing on any decoder warning) and writes every rendition into outDir.
 * Metadata is not copied to any output: sharp writes none unless asked.
 */
export function renderImage(
  file: string,
  info: ImageInfo,
  outDir: string,
): Promise<RenderedFile[]> {
  return imageSlots(async () => {
    const animated = info.frames > 1
    const source = await decoder(file, info)
    const contentType = contentTypes[info.format]
    const extension = extensions[info.format]
    try {
      return await Promise.all(
        renditionPlan(info).map(async (plan) => {
          let pipeline = source.clone()
          if (plan.resize) pipeline = pipeline.resize(plan.resize)
          const target = path.join(outDir, `${plan.name}.${extension}`)
          const out = await encode(
            pipeline,
            info.format,
            plan.name === 'original' ? 90 : 85,
          ).toFile(target)
          const height = animated && out.pageHeight ? out.pageHeight : out.height
          return {
            name: plan.name,
            file: target,
            width: out.width,
            height,
            size: out.size,
            contentType,
            extension,
          }
        }),
      )
    } catch (error) {
      if (error instanceof ServiceError) throw error
      throw corrupt()
    }
  })
}

/** A square 200×200 JPEG avatar, cropped from the centre. */
export function renderAvatar(file: string, info: ImageInfo, target: string): Promise<void> {
  return imageSlots(async () => {
    try {
      await (await decoder(file, { ...info, frames: 1 }))
        .resize(200, 200, { fit: 'cover', position: 'centre' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 88 })
        .toFile(target)
    } catch {
      throw corrupt()
    }
  })
}

/** A shake's picture: a 96×96 centre-cropped square and a banner at most 568 wide. */
export function renderShakeImage(
  file: string,
  info: ImageInfo,
  square: string,
  banner: string,
): Promise<void> {
  return imageSlots(async () => {
    const still = { ...info, frames: 1 }
    try {
      await (await decoder(file, still))
        .resize(96, 96, { fit: 'cover' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 88 })
        .toFile(square)
      await (await decoder(file, still))
        .resize({ width: 568, height: 568, fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 88 })
        .toFile(banner)
    } catch {
      throw corrupt()
    }
  })
}
