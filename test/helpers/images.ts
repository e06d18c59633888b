// Test images made on the spot with sharp, and hostile files made by hand.
import { deflateSync } from 'node:zlib'
import sharp from 'sharp'

export async function jpeg(
  width = 640,
  height = 480,
  options: { orientation?: number; exif?: boolean } = {},
): Promise<Buffer> {
  let image = sharp({ create: { width, height, channels: 3, background: '#3a7' } })
    // A bright block at the top-left shows which way up the pixels are.
    .composite([
      {
        input: {
          create: {
            width: Math.floor(width / 4),
            height: Math.floor(height / 4),
            channels: 3,
            background: '#fff',
          },
        },
        top: 0,
        left: 0,
      },
    ])
    .jpeg({ quality: 90 })
  if (options.exif || options.orientation) {
    image = image.withExif({
      IFD0: { Copyright: 'SECRET-COPYRIGHT', Make: 'SecretCam', Model: 'SERIAL-12345' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
  }
  if (options.exif) {
    image = image.withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SECRET-XMP-CREATOR"/></rdf:RDF></x:xmpmeta>',
    )
  }
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation })
  const encoded = await image.toBuffer()
  return options.exif ? jpegWithIptc(encoded, 'SECRET-IPTC-BYLINE') : encoded
}

/** Inserts an APP13 (Photoshop IRB) segment holding an IPTC by-line, as cameras and editors write. */
export function jpegWithIptc(image: Buffer, byline: string): Buffer {
  const text = Buffer.from(byline, 'latin1')
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 0x50, 0x00, text.length]), text])
  const resource = Buffer.concat([
    Buffer.from('8BIM', 'ascii'),
    Buffer.from([0x04, 0x04, 0x00, 0x00]),
    Buffer.from([
      (iptc.length >> 24) & 0xff,
      (iptc.length >> 16) & 0xff,
      (iptc.length >> 8) & 0xff,
      iptc.length & 0xff,
    ]),
    iptc,
    iptc.length % 2 ? Buffer.from([0]) : Buffer.alloc(0),
  ])
  const body = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource])
  const header = Buffer.from([0xff, 0xed, (body.length + 2) >> 8, (body.length + 2) & 0xff])
  return Buffer.concat([image.subarray(0, 2), header, body, image.subarray(2)])
}

/** Random pixels: does not compress, so its size is predictable. */
export function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(Math.random() * 256)
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer()
}

export function png(width = 320, height = 240): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 0.8 } },
  })
    .png()
    .toBuffer()
}

export function webp(width = 800, height = 600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#246' } })
    .webp()
    .toBuffer()
}

export function tiff(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: '#f00' } })
    .tiff()
    .toBuffer()
}

/** An animated GIF whose frames differ (so the encoder keeps them all). */
export function animatedGif(width = 64, height = 48, frames = 4): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * frames * 4)
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < width * height; i++) {
      const o = (f * width * height + i) * 4
      raw[o] = (f * 60) % 256
      raw[o + 1] = (i * 7) % 256
      raw[o + 2] = 120
      raw[o + 3] = 255
    }
  }
  return sharp(raw, { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
    .gif({ loop: 0, delay: Array(frames).fill(80) })
    .toBuffer()
}

function crc32(buffer: Buffer): number {
  let crc = 0xffffffff
  for (const byte of buffer) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A valid PNG header claiming any size, with one tiny compressed row: a decompression bomb shape. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(Math.min(width, 1000) + 1))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** Inserts a PNG text chunk (metadata that must not survive) before IEND. */
export function pngWithText(image: Buffer, keyword: string, text: string): Buffer {
  const iend = image.length - 12
  return Buffer.concat([
    image.subarray(0, iend),
    pngChunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1')),
    image.subarray(iend),
  ])
}

/** Inserts a JPEG comment segment (COM) right after the start-of-image marker. */
export function jpegWithComment(image: Buffer, comment: string): Buffer {
  const body = Buffer.from(comment, 'latin1')
  const header = Buffer.from([0xff, 0xfe, (body.length + 2) >> 8, (body.length + 2) & 0xff])
  return Buffer.concat([image.subarray(0, 2), header, body, image.subarray(2)])
}

/** Inserts a GIF comment extension after the header and global colour table. */
export function gifWithComment(image: Buffer, comment: string): Buffer {
  const packed = image[10] ?? 0
  const tableSize = packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0
  const at = 13 + tableSize
  const body = Buffer.from(comment, 'latin1').subarray(0, 255)
  const extension = Buffer.concat([Buffer.from([0x21, 0xfe, body.length]), body, Buffer.from([0])])
  return Buffer.concat([image.subarray(0, at), extension, image.subarray(at)])
}

export const svg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>alert(1)</script></svg>',
)
export const html = Buffer.from(
  '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>',
)
export const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(52, 0)])
export const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
export const heic = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypheic', 'ascii'),
  Buffer.from([0, 0, 0, 0]),
  Buffer.from('mif1heic', 'ascii'),
  Buffer.alloc(64),
])

/** The names of the metadata blocks sharp finds in an image. */
export async function metadataBlocks(image: Buffer): Promise<string[]> {
  const meta = await sharp(image).metadata()
  const blocks: string[] = []
  if (meta.exif) blocks.push('exif')
  if (meta.xmp) blocks.push('xmp')
  if (meta.iptc) blocks.push('iptc')
  if (meta.comments?.length) blocks.push('comments')
  if (meta.orientation && meta.orientation !== 1) blocks.push('orientation')
  return blocks
}

/**
 * A phone-sized photograph's stand-in: smooth gradients with a little sensor noise, so it
 * compresses as photographs do (a few bytes a pixel), not as a flat colour does.
 */
export function photo(width = 4000, height = 3000): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      const noise = Math.floor(Math.random() * 12) - 6
      raw[o] = Math.max(0, Math.min(255, Math.floor((x / width) * 180) + 40 + noise))
      raw[o + 1] = Math.max(0, Math.min(255, Math.floor((y / height) * 160) + 60 + noise))
      raw[o + 2] = Math.max(
        0,
        Math.min(255, 200 - Math.floor(((x + y) / (width + height)) * 150) + noise),
      )
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer()
}

/** Black strokes on white, as a drawing or a screenshot of text: PNG's own kind of image. */
export function lineArt(width = 1200, height = 900): Promise<Buffer> {
  const strokes: string[] = []
  for (let i = 0; i < 40; i++) {
    const x1 = Math.floor(Math.random() * width)
    const y1 = Math.floor(Math.random() * height)
    const x2 = Math.floor(Math.random() * width)
    const y2 = Math.floor(Math.random() * height)
    strokes.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#000" stroke-width="3"/>`,
    )
  }
  const drawing = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${strokes.join('')}</svg>`
  return sharp(Buffer.from(drawing)).png().toBuffer()
}

/** Random pixels saved losslessly: the worst case for a PNG. */
export function noisyPng(width = 1000, height = 750): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(Math.random() * 256)
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}
