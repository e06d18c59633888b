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

/** Sends one request per path at `perSecond`; `accept` says whether an answer is right. */
async function openLoop(
  urls: readonly URL[],
  headers: Record<string, string>,
  perSecond: number,
  accept: (answer: Answer) => boolean,
): Promise<OpenLoopResult> {
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
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
  return {
    sent: urls.length,
    likes: latencies.length,
    errors,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    sentPerSecond: urls.length / sendSeconds,
  }
}

export function openLoopLikes(
  base: string,
  headers: Record<string, string>,
  keys: readonly string[],
  perSecond: number,
): Promise<OpenLoopResult> {
  return openLoop(
    keys.map((key) => new URL(`/p/${key}/like`, base)),
    headers,
    perSecond,
    (answer) => {
      if (answer.status !== 200) return false
      const body = JSON.parse(answer.body) as { like_count?: unknown }
      return typeof body.like_count === 'number'
    },
  )
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
