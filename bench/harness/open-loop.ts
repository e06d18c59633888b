// An open loop of likes: one request every 1000/rate ms whatever the answers do (a closed loop
// would slow down with the server and hide its queueing), each on its own post. Answers must be
// 200 with the count from the like's own commit; anything else is counted as an error.
//
// The client is node:http over kept-alive connections: Node's fetch cost about a millisecond of
// the bench process's time per request here, which the figures would have charged to the
// server. `openLoopFloor` runs the same loop against the bare hello server: the client's own
// share of every latency.
import http from 'node:http'

export interface OpenLoopResult {
  sent: number
  likes: number
  errors: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Requests per second actually sent (the client may fall behind the schedule). */
  sentPerSecond: number
}

interface Answer {
  status: number
  body: string
}

function post(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        body += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}

interface Timed {
  sent: number
  latencies: number[]
  errors: number
  sendSeconds: number
}

/** Sends one request per path at `perSecond`; `accept` says whether an answer is right. */
async function timeOpenLoop(
  urls: readonly URL[],
  headers: Record<string, string>,
  perSecond: number,
  accept: (answer: Answer) => boolean,
): Promise<Timed> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  const latencies: number[] = []
  let errors = 0
  const inFlight: Promise<void>[] = []
  const interval = 1000 / perSecond
  const started = performance.now()
  for (let i = 0; i < urls.length; i++) {
    const wait = started + i * interval - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const sent = performance.now()
    inFlight.push(
      post(agent, urls[i] as URL, headers).then(
        (answer) => {
          if (accept(answer)) latencies.push(performance.now() - sent)
          else errors++
        },
        () => {
          errors++
        },
      ),
    )
  }
  const sendSeconds = (performance.now() - started) / 1000
  await Promise.all(inFlight)
  agent.destroy()
  return { sent: urls.length, latencies, errors, sendSeconds }
}

function summary({ sent, latencies, errors, sendSeconds }: Timed): OpenLoopResult {
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
  return {
    sent,
    likes: latencies.length,
    errors,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    sentPerSecond: sent / sendSeconds,
  }
}

async function openLoop(
  urls: readonly URL[],
  headers: Record<string, string>,
  perSecond: number,
  accept: (answer: Answer) => boolean,
): Promise<OpenLoopResult> {
  return summary(await timeOpenLoop(urls, headers, perSecond, accept))
}

function likeAnswered(answer: Answer): boolean {
  if (answer.status !== 200) return false
  const body = JSON.parse(answer.body) as { like_count?: unknown }
  return typeof body.like_count === 'number'
}

const likeUrls = (base: string, keys: readonly string[]) =>
  keys.map((key) => new URL(`/p/${key}/like`, base))

export function openLoopLikes(
  base: string,
  headers: Record<string, string>,
  keys: readonly string[],
  perSecond: number,
): Promise<OpenLoopResult> {
  return openLoop(likeUrls(base, keys), headers, perSecond, likeAnswered)
}

/**
 * The same open loop against two servers in turn, `blocks` times each, each block on posts of
 * its own: the two share whatever else the machine does at the time, so small differences
 * between them show where separate runs minutes apart would bury them in noise.
 */
export async function pairedOpenLoopLikes(
  servers: { a: string; b: string },
  headers: Record<string, string>,
  keys: readonly string[],
  perSecond: number,
  blocks: number,
): Promise<{ a: OpenLoopResult; b: OpenLoopResult }> {
  const size = Math.floor(keys.length / (2 * blocks))
  const merged = {
    a: { sent: 0, latencies: [] as number[], errors: 0, sendSeconds: 0 },
    b: { sent: 0, latencies: [] as number[], errors: 0, sendSeconds: 0 },
  }
  for (let block = 0; block < 2 * blocks; block++) {
    // a b b a a b ...: neither always goes first.
    const side = block % 4 === 0 || block % 4 === 3 ? 'a' : 'b'
    const part = keys.slice(block * size, (block + 1) * size)
    const timed = await timeOpenLoop(
      likeUrls(servers[side], part),
      headers,
      perSecond,
      likeAnswered,
    )
    const into = merged[side]
    into.sent += timed.sent
    into.latencies.push(...timed.latencies)
    into.errors += timed.errors
    into.sendSeconds += timed.sendSeconds
  }
  return { a: summary(merged.a), b: summary(merged.b) }
}

/** The same loop against the hello server: what the client and the loopback cost alone. */
export function openLoopFloor(
  helloUrl: string,
  count: number,
  perSecond: number,
): Promise<OpenLoopResult> {
  return openLoop(
    Array.from({ length: count }, () => new URL(helloUrl)),
    {},
    perSecond,
    (answer) => answer.status === 200,
  )
}
