// Memory of a process doing image jobs: the app's own pipeline (probe, decode, five renditions)
// run JOBS times on a 2-megapixel JPEG, RSS read after 100 and after all of them. Run by the
// harness pinned and with MALLOC_ARENA_MAX=2, as the Dockerfile sets it. Prints one JSON line.
//
//   node dist/bench/harness/image-jobs.js JOBS
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { probeImage, renderImage } from '../../src/media/image-pipeline.js'

const jobs = Number(process.argv[2] ?? 1000)
const limits = {
  maxBytes: 50 * 2 ** 20,
  maxSide: 16384,
  maxPixels: 50_000_000,
  maxFrames: 1000,
  maxTotalPixels: 200_000_000,
  heifDecoder: { path: 'heif-convert', timeoutMs: 60_000 },
}
const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-image-jobs-'))
const file = path.join(work, 'photo.jpg')
await writeFile(
  file,
  await sharp({
    create: {
      width: 1800,
      height: 1200,
      channels: 3,
      background: '#777',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 88 })
    .toBuffer(),
)
const rssMb = () => process.memoryUsage.rss() / 2 ** 20
const at: Record<number, number> = {}
const started = performance.now()
for (let job = 1; job <= jobs; job++) {
  const out = await mkdtemp(path.join(work, 'job-'))
  const info = await probeImage(file, 'jpeg', limits)
  await renderImage(file, info, out)
  await rm(out, { recursive: true })
  if (job === 100 || job === jobs) at[job] = rssMb()
}
console.log(
  JSON.stringify({
    jobs,
    rssAfter100Mb: at[100],
    rssAfterAllMb: at[jobs],
    msPerJob: (performance.now() - started) / jobs,
    mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
  }),
)
await rm(work, { recursive: true, force: true })
