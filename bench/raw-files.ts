// Raw-file throughput, in one run: the same image bytes fetched
//  1. through HAProxy -> nginx -> X-Accel-Redirect -> S3 (s3rver), as production serves /r/KEY;
//  2. through HAProxy -> nginx serving them as a static file (the ceiling);
//  3. from the app streaming them itself (embedded mode, local files).
// Rounds alternate between the three so the machine's noise falls on all of them.
//
//   npm run bench:raw          (needs nginx, haproxy and Redis, as the e2e suite does)
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { createTestSite } from '../test/helpers/app.js'
import { HttpClient } from '../test/helpers/http-client.js'
import { Topology } from '../test/helpers/topology.js'

const CONCURRENCY = 16
const ROUND_MS = 2000
const ROUNDS = 3

async function throughput(url: string): Promise<{ requests: number; bytes: number; ms: number }> {
  const started = performance.now()
  let requests = 0
  let bytes = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - started < ROUND_MS) {
        const response = await fetch(url)
        const body = await response.arrayBuffer()
        if (response.status !== 200) throw new Error(`${url}: ${response.status}`)
        requests++
        bytes += body.byteLength
      }
    }),
  )
  return { requests, bytes, ms: performance.now() - started }
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-bench-raw-'))
  // nginx's workers run as another user: they must be able to read the static file.
  await chmod(work, 0o755)
  const image = await sharp({
    create: {
      width: 1600,
      height: 1200,
      channels: 3,
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
      background: '#888',
    },
  })
    .jpeg({ quality: 85 })
    .toBuffer()
  const topology = new Topology()
  const embedded = await createTestSite({ RATE_LIMIT_UPLOAD: '1000/60' })
  try {
    await topology.start({ uploadMaxBytes: 20 * 1024 * 1024, bodyTimeout: '30s', staticRoot: work })
    const client = new HttpClient(topology.url)
    await client.signUp('bencher')
    const posted = await client.upload(image)
    const key = (posted.location as string).slice(3)
    // The exact bytes the site serves, placed where nginx serves static files.
    const served = (await client.request(`/r/${key}`)).body
    await writeFile(path.join(work, 'same.jpg'), served, { mode: 0o644 })

    const address = await embedded.app.listen({ port: 0, host: '127.0.0.1' })
    const local = new HttpClient(address)
    await local.signUp('bencher')
    const localKey = ((await local.upload(image)).location as string).slice(3)

    const variants = {
      xAccel: `${topology.url}/r/${key}`,
      nginxStatic: `${topology.url}/static/same.jpg`,
      appStreaming: `${address}/r/${localKey}`,
    }
    const totals = Object.fromEntries(
      Object.keys(variants).map((name) => [name, { requests: 0, bytes: 0, ms: 0 }]),
    )
    for (const [name, url] of Object.entries(variants)) await throughput(url).then(() => name) // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of Object.entries(variants)) {
        const result = await throughput(url)
        const total = totals[name] as { requests: number; bytes: number; ms: number }
        total.requests += result.requests
        total.bytes += result.bytes
        total.ms += result.ms
      }
    }
    const rate = (name: string) => {
      const t = totals[name] as { requests: number; bytes: number; ms: number }
      return {
        requestsPerSecond: Math.round((t.requests / t.ms) * 1000),
        megabytesPerSecond: Math.round((t.bytes / t.ms / 1024) * 10) / 10,
      }
    }
    const xAccel = rate('xAccel')
    const nginxStatic = rate('nginxStatic')
    const appStreaming = rate('appStreaming')
    console.log(
      JSON.stringify(
        {
          fileBytes: served.length,
          concurrency: CONCURRENCY,
          xAccel,
          nginxStatic,
          appStreaming,
          xAccelToStatic:
            Math.round((xAccel.requestsPerSecond / nginxStatic.requestsPerSecond) * 100) / 100,
          xAccelToAppStreaming:
            Math.round((xAccel.requestsPerSecond / appStreaming.requestsPerSecond) * 100) / 100,
          goal: 'xAccelToStatic >= 0.7, and well ahead of app streaming',
        },
        null,
        2,
      ),
    )
  } finally {
    await topology.stop()
    await embedded.close()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
