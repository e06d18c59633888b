// Phone photos made on the spot: HEIC (HEVC) with libheif's heif-enc (x265), from Debian's
// libheif-examples as installed by .ci/run, and AVIF with sharp. The encoder has no option to
// rotate, so a rotated HEIC is patched by hand the way an iPhone writes one: an irot property
// on the primary image.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import sharp from 'sharp'

const run = promisify(execFile)

/**
 * A HEIC of the given JPEG or PNG (its EXIF and XMP copied in, as heif-enc does), holding it
 * `images` times as top-level images. No alpha: then the last property of the file is the
 * primary image's pixi, which `rotated` rewrites.
 */
export async function heic(source: Buffer, options: { images?: number } = {}): Promise<Buffer> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-heic-'))
  try {
    const ext = source[0] === 0xff ? 'jpg' : 'png'
    const input = path.join(work, `in.${ext}`)
    await writeFile(input, source)
    const output = path.join(work, 'out.heic')
    const inputs: string[] = Array(options.images ?? 1).fill(input)
    await run('heif-enc', ['--no-alpha', '-q', '60', '-o', output, ...inputs])
    return await readFile(output)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Finds an item property box (four-letter type) in a HEIF file. */
function propertyAt(file: Buffer, type: string): { at: number; size: number } {
  const ipco = file.indexOf('ipco', 0, 'latin1')
  const at = file.indexOf(type, ipco, 'latin1') - 4
  if (ipco < 0 || at < ipco) throw new Error(`no ${type} property in this HEIF file`)
  return { at, size: file.readUInt32BE(at) }
}

/**
 * The same HEIC with an irot property (turn anticlockwise by angle × 90°) in place of its
 * primary image's pixi: same size, same property index, so no offset in the file moves.
 * libheif reads the one byte irot needs and skips the rest of the box.
 */
export function rotated(image: Buffer, angle: 1 | 2 | 3): Buffer {
  const patched = Buffer.from(image)
  const { at, size } = propertyAt(patched, 'pixi')
  patched.write('irot', at + 4, 'latin1')
  patched[at + 8] = angle
  patched.fill(0, at + 9, at + size)
  return patched
}

/** The same HEIC whose primary image's header claims another size (the pixels stay). */
export function claimingSize(image: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(image)
  let at = patched.indexOf('ispe', 0, 'latin1')
  while (at >= 0) {
    // ispe: version and flags, then width and height.
    patched.writeUInt32BE(width, at + 8)
    patched.writeUInt32BE(height, at + 12)
    at = patched.indexOf('ispe', at + 4, 'latin1')
  }
  return patched
}

/** An AVIF, which sharp writes itself; an EXIF orientation becomes the file's irot. */
export function avif(source: Buffer, options: { orientation?: number } = {}): Promise<Buffer> {
  let image = sharp(source)
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation })
  return image.avif({ quality: 60 }).toBuffer()
}
