// An open loop of likes: one request every 1000/rate ms whatever the answers do (a closed loop
// would slow down with the server and hide its queueing), each on its own post. Answers must be
// 200 with the count from the like's own commit; anything else is counted as an error.
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

export async function openLoopLikes(
  base: string,
  headers: Record<string, string>,
  keys: readonly string[],
  perSecond: number,
): Promise<OpenLoopResult> {
  const latencies: number[] = []
  let errors = 0
  const inFlight: Promise<void>[] = []
  const interval = 1000 / perSecond
  const started = performance.now()
  for (let i = 0; i < keys.length; i++) {
    const wait = started + i * interval - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const sent = performance.now()
    inFlight.push(
      fetch(`${base}/p/${keys[i]}/like`, { method: 'POST', headers })
        .then(async (response) => {
          const body = (await response.json()) as { like_count?: number }
          if (response.status !== 200 || typeof body.like_count !== 'number') errors++
          else latencies.push(performance.now() - sent)
        })
        .catch(() => {
          errors++
        }),
    )
  }
  const sendSeconds = (performance.now() - started) / 1000
  await Promise.all(inFlight)
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
  return {
    sent: keys.length,
    likes: latencies.length,
    errors,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    sentPerSecond: keys.length / sendSeconds,
  }
}
