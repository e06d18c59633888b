// Image bytes benchmark (issue 19): the bytes a stream of 10 posts ships on a 390-px phone at
// DPR 3 and on a 1280-px desktop at DPR 1, with the renditions the app makes now against the
// ones it made before (550 and 1100 wide, JPEG q85 or PNG, plus the original in the srcset).
// The candidate is picked as a browser does: the first <source> whose type it reads (AVIF for a
// modern browser), then the smallest width ≥ slot width × DPR, else the largest. The slot
// widths are the app's own (routes/image-layout.ts), the files the app's own pipeline makes.
//
//   npm run bench:image-bytes
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { loadConfig } from '../src/config.js'
import {
  type ImageInfo,
  probeImage,
  renderImage,
  renderModernFormats,
  responsiveWidths,
  sniffImageFormat,
} from '../src/media/image-pipeline.js'
import { layoutWidths, phoneDensityCap } from '../src/routes/image-layout.js'
import { modernRequestFor } from '../src/services/modern-renditions.js'

interface Candidate {
  width: number
  size: number
}

/** The old hard case: smoothed Gaussian noise upscaled to 4000×3000 (as upload.ts). Its detail
 * is the same at every scale, so a downscaled copy is close to white noise: harder for every
 * codec, and for AVIF most, than any photograph. */
async function noisePhoto(seed: number): Promise<Buffer> {
  const { data, info } = await sharp({
    create: {
      width: 1000,
      height: 750,
      channels: 3,
      background: { r: 90 + seed * 9, g: 128, b: 160 - seed * 7 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 + seed * 4 },
    },
  })
    .blur(1 + seed * 0.15)
    .raw()
    .toBuffer({ resolveWithObject: true })
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .resize(4000, 3000, { kernel: 'cubic' })
    .jpeg({ quality: 88 })
    .toBuffer()
}

/** Gaussian noise of one octave: a grid `cells` wide, smoothly upscaled to width × height. */
async function octave(cells: number, width: number, height: number): Promise<Buffer> {
  const rows = Math.max(2, Math.round((cells * height) / width))
  const { data } = await sharp({
    create: {
      width: cells,
      height: rows,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return data
}

/** A photograph's statistics without a photograph (the machine holds none): natural images
 * have an amplitude spectrum close to 1/f, the same energy in every octave of detail, which a
 * sum of equally strong noise octaves from 4 cells to the full width gives; colour varies
 * slowly (the coarse octaves only), brightness at every scale. 4000×3000 JPEG q88, as a phone's
 * camera writes. Real photos of the operator's own: BENCH_PHOTO_DIR (below). */
async function naturalPhoto(seed: number): Promise<Buffer> {
  const width = 2000
  const height = 1500
  const luma = new Float32Array(width * height)
  const chroma = new Float32Array(width * height * 2)
  for (let level = 0, cells = 4 + seed; cells < width; level++, cells *= 2) {
    const layer = await octave(cells, width, height)
    for (let i = 0; i < width * height; i++) {
      luma[i] = (luma[i] as number) + ((layer[i * 3] as number) - 128)
      if (level < 4) {
        chroma[i * 2] = (chroma[i * 2] as number) + ((layer[i * 3 + 1] as number) - 128)
        chroma[i * 2 + 1] = (chroma[i * 2 + 1] as number) + ((layer[i * 3 + 2] as number) - 128)
      }
    }
  }
  const raw = Buffer.alloc(width * height * 3)
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)))
  for (let i = 0; i < width * height; i++) {
    const y = 120 + (luma[i] as number) * 0.45
    const u = (chroma[i * 2] as number) * 0.35
    const v = (chroma[i * 2 + 1] as number) * 0.35
    raw[i * 3] = clamp(y + 1.4 * v)
    raw[i * 3 + 1] = clamp(y - 0.34 * u - 0.71 * v)
    raw[i * 3 + 2] = clamp(y + 1.77 * u)
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .resize(4000, 3000, { kernel: 'cubic' })
    .jpeg({ quality: 88 })
    .toBuffer()
}

/** Flat line art, 2000×1400 PNG: outlined and filled boxes, thin lines, on white. */
async function lineArt(seed: number): Promise<Buffer> {
  const width = 2000
  const height = 1400
  const raw = Buffer.alloc(width * height * 3, 255)
  const paint = (x0: number, y0: number, w: number, h: number, rgb: number[]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++)
        raw.set(rgb, (y * width + x) * 3)
  }
  const colours = [
    [20, 20, 20],
    [200, 30, 30],
    [30, 90, 200],
    [240, 190, 40],
  ]
  for (let i = 0; i < 60; i++) {
    const c = colours[(i + seed) % 4] as number[]
    const x = (i * 131 + seed * 53) % width
    const y = (i * 97 + seed * 31) % height
    if (i % 3 === 0) paint(x, y, 180, 120, c)
    else {
      paint(x, y, 240, 4, c)
      paint(x, y + 160, 240, 4, c)
      paint(x, y, 4, 164, c)
      paint(x + 236, y, 4, 164, c)
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

/** What the site made before this change: 550 and 1100 (never upscaled) and the original. */
async function todaysCandidates(file: string, info: ImageInfo): Promise<Candidate[]> {
  const out: Candidate[] = []
  for (const width of [550, 1100].filter((w) => w < info.width)) {
    const resized = sharp(file).resize({ width })
    const bytes = await (info.format === 'png'
      ? resized.png({ compressionLevel: 6, adaptiveFiltering: true })
      : resized.jpeg({ quality: 85, progressive: true, chromaSubsampling: '4:2:0' })
    ).toBuffer()
    out.push({ width, size: bytes.length })
  }
  const original = await (info.format === 'png'
    ? sharp(file).png({ compressionLevel: 6, adaptiveFiltering: true })
    : sharp(file).jpeg({ quality: 90, progressive: true })
  ).toBuffer()
  out.push({ width: info.width, size: original.length })
  return out
}

/** A browser's choice in a srcset: the smallest candidate ≥ the pixels needed, else the largest. */
function choose(candidates: Candidate[], needed: number): Candidate {
  const sorted = [...candidates].sort((a, b) => a.width - b.width)
  return sorted.find((c) => c.width >= needed) ?? (sorted.at(-1) as Candidate)
}

const devices = [
  // The stream card's sizes on a phone: calc(100vw - 26px), scaled down at DPR 3 (image-layout.ts).
  // Before: the uncapped phone slot, and the 550-px column on a desktop.
  {
    name: 'phone 390 px, DPR 3',
    slot: Math.round((390 - 26) * phoneDensityCap.slotScale),
    slotBefore: 390 - 26,
    dpr: 3,
  },
  { name: 'desktop 1280 px, DPR 1', slot: layoutWidths.streamCard, slotBefore: 550, dpr: 1 },
]

interface Upload {
  kind: string
  bytes: Buffer
}

/** The bytes one stream of posts ships to each device, now and before. */
async function measureStream(posts: Upload[], config: ReturnType<typeof loadConfig>, work: string) {
  const rows: Array<Record<string, unknown>> = []
  const totals = devices.map(() => ({ now: 0, nowBefore: 0, today: 0, today5501100: 0 }))
  for (const [index, post] of posts.entries()) {
    const dir = await mkdtemp(path.join(work, 'post-'))
    const file = path.join(dir, 'upload')
    await writeFile(file, post.bytes)
    const info = await probeImage(file, await sniffImageFormat(file), config.images)
    const fallbacks = await renderImage(file, info, dir)
    const renditions = fallbacks.map((r) => ({ ...r, key: r.file }))
    const request = modernRequestFor({ ...info, renditions })
    const modern = request ? await renderModernFormats(file, info, dir, request) : []
    const widths = responsiveWidths(info.width)
    const avif = modern
      .filter((r) => r.format === 'avif')
      .map((r) => ({ width: r.width, size: r.size }))
    const fallback = fallbacks
      .filter((r) => /^w\d+$/.test(r.name))
      .map((r) => ({ width: r.width, size: r.size }))
    const today = await todaysCandidates(file, info)
    const today5501100 = today.filter((c) => c.width <= 1100)
    const row: Record<string, unknown> = {
      post: index + 1,
      kind: post.kind,
      fallback: fallbacks.find((r) => r.name === 'w550')?.format,
      widths: widths.join('/'),
    }
    for (const [d, device] of devices.entries()) {
      const needed = device.slot * device.dpr
      const total = totals[d] as (typeof totals)[number]
      const pickedNow = choose(avif.length > 0 ? avif : fallback, needed)
      const pickedFallback = choose(fallback, needed)
      const pickedToday = choose(today, device.slotBefore * device.dpr)
      const pickedToday2 = choose(today5501100, device.slotBefore * device.dpr)
      total.now += pickedNow.size
      total.nowBefore += pickedFallback.size
      total.today += pickedToday.size
      total.today5501100 += pickedToday2.size
      row[device.name] =
        `AVIF ${pickedNow.width}: ${kb(pickedNow.size)} (JPEG/PNG ${pickedFallback.width}: ${kb(pickedFallback.size)}) vs before ${pickedToday2.width}: ${kb(pickedToday2.size)}`
    }
    rows.push(row)
    await rm(dir, { recursive: true, force: true })
  }
  return {
    posts: rows,
    devices: devices.map((device, d) => {
      const total = totals[d] as (typeof totals)[number]
      return {
        device: device.name,
        neededPixels: device.slot * device.dpr,
        modernKb: Math.round(total.now / 1024),
        fallbackOnlyKb: Math.round(total.nowBefore / 1024),
        before5501100Kb: Math.round(total.today5501100 / 1024),
        beforeWithOriginalKb: Math.round(total.today / 1024),
        ratio: Number((total.now / total.today5501100).toFixed(3)),
        goal: device.dpr === 3 ? 'ratio <= 0.35' : undefined,
      }
    }),
  }
}

/** The operator's own photographs, if BENCH_PHOTO_DIR names a folder of JPEGs. */
async function ownPhotos(): Promise<Upload[]> {
  const dir = process.env.BENCH_PHOTO_DIR
  if (!dir) return []
  const names = (await readdir(dir)).filter((n) => /\.jpe?g$/i.test(n)).sort()
  return Promise.all(
    names.map(async (n) => ({ kind: `photo ${n}`, bytes: await readFile(path.join(dir, n)) })),
  )
}

export async function imageBytesBench() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-bytes-'))
  const config = loadConfig({ ...process.env, DATA_DIR: work, NODE_ENV: 'development' })
  const seeds = [0, 1, 2, 3, 4, 5, 6]
  try {
    // The site: photos and line art; ten posts, seven photos and three drawings.
    const drawings = (await Promise.all([0, 1, 2].map((s) => lineArt(s)))).map((bytes) => ({
      kind: 'line art',
      bytes,
    }))
    const natural: Upload[] = []
    for (const seed of seeds) natural.push({ kind: 'photo (1/f)', bytes: await naturalPhoto(seed) })
    const noise = (await Promise.all(seeds.map((s) => noisePhoto(s)))).map((bytes) => ({
      kind: 'photo (noise)',
      bytes,
    }))
    const own = await ownPhotos()
    return {
      'photo statistics (1/f), the figure reported': await measureStream(
        [...natural, ...drawings],
        config,
        work,
      ),
      'noise photos, the hard case': await measureStream([...noise, ...drawings], config, work),
      ...(own.length > 0
        ? { 'BENCH_PHOTO_DIR photos alone': await measureStream(own, config, work) }
        : {}),
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await imageBytesBench(), null, 2))
}
