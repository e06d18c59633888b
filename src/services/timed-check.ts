// A check of a dependency that answers within a bound: a dead database, Redis or store shows as
// an error instead of a page (or an alarm check) that never answers.

export interface Check<T = undefined> {
  ok: boolean
  ms: number
  error?: string
  details?: T
}

export async function timed<T>(work: () => Promise<T>, timeoutMs = 2000): Promise<Check<T>> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const details = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    return {
      ok: true,
      ms: Math.round(performance.now() - started),
      ...(details === undefined ? {} : { details }),
    }
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: (error as Error).message,
    }
  } finally {
    clearTimeout(timer)
  }
}
