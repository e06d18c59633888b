// Upload benchmark: the time from request to stored post for a 12-megapixel JPEG, through a
// real web process (HTTP, multipart, hashing, checks, renditions, storage, database), against
// sharp alone making the same renditions from the same file in this process. The two are run
// alternately, so the machine's noise falls on both; the ratio of medians is the figure.
//
//   npm run bench:upload [-- --runs 8]
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp, { type Sharp } from 'sharp'
import { projectRoot } from '../src/paths.js'
import { compiled, WEB_NODE_FLAGS } from './harness/processes.js'

const warmup = 2

/** A photo-like 4000×3000 JPEG: smoothed noise, so it compresses like a real picture. */
async function makePhoto(file: string): Promise<Buffer> {
  const { data, info } = await sharp({
    create: {
      width: 1000,
      height: 750,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .blur(1.2)
    .raw()
    .toBuffer({ resolveWithObject: true })
  const photo = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .resize(4000, 3000, { kernel: 'cubic' })
    .jpeg({ quality: 88 })
    .toBuffer()
  await writeFile(file, photo)
  return photo
}

/**
 * The same renditions the app makes in the request, with sharp and nothing else: the original,
 * the fallback JPEG at each responsive width, small and thumb. (AVIF and WebP are made after
 * the answer by the media job: not part of either side; their time is reported apart.)
 */
async function sharpAlone(file: string, outDir: string): Promise<void> {
  const source = sharp(file, { failOn: 'warning', autoOrient: true })
  const jobs: Array<[string, Sharp]> = [
    ['original', source.clone().jpeg({ quality: 90, progressive: true })],
    ...[320, 550, 800, 1100, 1600].map((width): [string, Sharp] => [
      `w${width}`,
      source
        .clone()
        .resize({ width })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 80, progressive: true, chromaSubsampling: '4:2:0' }),
    ]),
    [
      'small',
      source
        .clone()
        .resize({ width: 270, height: 200, fit: 'inside' })
        .jpeg({ quality: 85, progressive: true }),
    ],
    [
      'thumb',
      source
        .clone()
        .resize({ width: 100, height: 100, fit: 'cover' })
        .jpeg({ quality: 85, progressive: true }),
    ],
  ]
  await Promise.all(
    jobs.map(([name, pipeline]) => pipeline.toFile(path.join(outDir, `${name}.jpg`))),
  )
}

/** Waits for the media job's AVIF of the post (in-process here: embedded mode). */
async function modernReady(base: string, postPath: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const url = `${base}${postPath.replace('/p/', '/r/')}/320.avif`
  while (Date.now() < deadline) {
    if ((await fetch(url, { method: 'HEAD' })).status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no AVIF after ${timeoutMs} ms: ${url}`)
}

function startServer(
  dataDir: string,
  core: string | undefined,
): Promise<{ child: ChildProcess; base: string }> {
  const command = compiled('src/server.ts', WEB_NODE_FLAGS)
  // Pinned (taskset execs, so the pid stays the server's) when the harness asks for a core.
  const [program, ...args] = core ? ['taskset', '-c', core, ...command] : command
  const child = spawn(program as string, args, {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      RATE_LIMIT_UPLOAD: '100000/60',
      UPLOAD_MONTHLY_QUOTA_BYTES: '0',
      MALLOC_ARENA_MAX: '2',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) resolve({ child, base: match[1] })
    })
    child.once('exit', () => reject(new Error(`server exited:\n${output}`)))
  })
}

/** Peak resident memory of a process, from the kernel's high-water mark. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024
}

class Session {
  cookies = new Map<string, string>()
  constructor(readonly base: string) {}
  private header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  async request(
    url: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: string; location: string | null }> {
    const response = await fetch(`${this.base}${url}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.header() },
    })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const [name = '', value = ''] = pair.split('=')
      this.cookies.set(name, value)
    }
    return {
      status: response.status,
      body: await response.text(),
      location: response.headers.get('location'),
    }
  }
  async csrf(url: string): Promise<string> {
    const page = await this.request(url)
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
    if (!token) throw new Error(`no form on ${url}`)
    return token
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** Runs the comparison; `core` pins the web process (the harness runs sharp alone there too). */
export async function uploadBench(runs: number, core?: string) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-bench-'))
  const photoFile = path.join(work, 'photo.jpg')
  const photo = await makePhoto(photoFile)
  const { child, base } = await startServer(path.join(work, 'data'), core)
  try {
    const session = new Session(base)
    const signUpToken = await session.csrf('/create-account')
    const created = await session.request('/create-account', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: signUpToken,
        name: 'bencher',
        email: 'bench@example.com',
        password: 'a benchmark passphrase',
        password_again: 'a benchmark passphrase',
      }).toString(),
    })
    if (created.status !== 303) throw new Error(`sign-up failed: ${created.status}`)
    const token = await session.csrf('/tools/new-post')

    const appTimes: number[] = []
    const sharpTimes: number[] = []
    const modernTimes: number[] = []
    for (let i = 0; i < warmup + runs; i++) {
      // A different comment each time: new bytes, so dedup never skips the work.
      const unique = Buffer.concat([
        photo.subarray(0, 2),
        Buffer.from([0xff, 0xfe, 0, 10]),
        Buffer.from(`run${String(i).padStart(5, '0')}`),
        photo.subarray(2),
      ])
      const form = new FormData()
      form.append('title', `bench ${i}`)
      form.append('file', new Blob([unique], { type: 'image/jpeg' }), 'photo.jpg')
      let started = performance.now()
      const posted = await session.request(`/upload?_csrf=${encodeURIComponent(token)}`, {
        method: 'POST',
        body: form,
      })
      const appMs = performance.now() - started
      if (posted.status !== 302)
        throw new Error(`upload failed: ${posted.status} ${posted.body.slice(0, 300)}`)
      // The AVIF and WebP job runs in this embedded server after the answer (in production on
      // the worker): waited for, so it weighs on neither side's time.
      started = performance.now()
      await modernReady(base, posted.location ?? '')
      const modernMs = performance.now() - started

      const outDir = await mkdtemp(path.join(work, 'sharp-'))
      started = performance.now()
      await sharpAlone(photoFile, outDir)
      const sharpMs = performance.now() - started
      await rm(outDir, { recursive: true })
      if (i >= warmup) {
        appTimes.push(appMs)
        sharpTimes.push(sharpMs)
        modernTimes.push(modernMs)
      }
    }
    const result = {
      image: `4000×3000 JPEG, ${(photo.length / 2 ** 20).toFixed(1)} MB`,
      runs,
      appMedianMs: Math.round(median(appTimes)),
      sharpAloneMedianMs: Math.round(median(sharpTimes)),
      ratio: Number((median(appTimes) / median(sharpTimes)).toFixed(2)),
      goal: 'ratio <= 1.5',
      /** From the answer until the media job's AVIF and WebP are stored (after the answer). */
      modernFormatsMedianMs: Math.round(median(modernTimes)),
      webPeakRssMb: Math.round(await peakRssMb(child.pid as number)),
      cpus: os.cpus().length,
    }
    return result
  } finally {
    child.kill('SIGTERM')
    await rm(work, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 8
  console.log(JSON.stringify(await uploadBench(runs), null, 2))
}
