// The load generator: wrk, pinned to the client core, with a JSON summary from its Lua script.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CLIENT_CORE } from './processes.js'

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua')

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Socket errors, timeouts and non-2xx/3xx answers: a passing figure needs none. */
  errors: number
}

export interface LoadOptions {
  connections?: number
  seconds?: number
  method?: string
  body?: string
  headers?: Record<string, string>
  /** A file of paths, one per line, requested in turn. */
  pathsFile?: string
}

/** Every run that saw errors, as "URL: N": a figure from such a run does not pass. */
export const runsWithErrors: string[] = []

export async function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  const connections = options.connections ?? 50
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' }
  if (options.method) env.WRK_METHOD = options.method
  if (options.body) env.WRK_BODY = options.body
  if (options.headers)
    env.WRK_HEADERS = Object.entries(options.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('|')
  if (options.pathsFile) env.WRK_PATHS = options.pathsFile
  const args = [
    '-c',
    CLIENT_CORE,
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${options.seconds ?? 5}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    url,
  ]
  const child = spawn('taskset', args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  const line = /WRK_JSON (\{.*\})/.exec(output)?.[1]
  if (code !== 0 || !line) throw new Error(`wrk failed on ${url}: ${output.slice(-500)}`)
  const r = JSON.parse(line) as Record<string, number>
  const n = (k: string) => r[k] as number
  const errors =
    n('connect_errors') + n('read_errors') + n('write_errors') + n('status_errors') + n('timeouts')
  if (errors > 0) runsWithErrors.push(`${url}: ${errors}`)
  return {
    rps: (n('requests') / n('duration_us')) * 1e6,
    p50Ms: n('p50_us') / 1000,
    p99Ms: n('p99_us') / 1000,
    maxMs: n('max_us') / 1000,
    errors,
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export interface Measured {
  rps: number
  p50Ms: number
  p99Ms: number
  errors: number
  rounds: number
}

/**
 * Runs each variant once as a warm-up, then `rounds` rounds in which every variant runs in turn,
 * every other round backwards (A, B, C, C, B, A, A, B, C, ...), so the machine's noise falls on
 * all and no variant always runs right after the same other one (a heavy variant leaves work
 * behind, in the database's purge and the worker, for whatever runs next); reports the medians.
 */
export async function alternate(
  variants: Record<string, { url: string } & LoadOptions>,
  rounds: number,
  warmupSeconds = 2,
): Promise<Record<string, Measured>> {
  const results: Record<string, LoadResult[]> = {}
  for (const [name, v] of Object.entries(variants)) {
    await load(v.url, { ...v, seconds: warmupSeconds })
    results[name] = []
  }
  for (let round = 0; round < rounds; round++) {
    const order = Object.entries(variants)
    if (round % 2 === 1) order.reverse()
    for (const [name, v] of order) results[name]?.push(await load(v.url, v))
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, list]) => [
      name,
      {
        rps: median(list.map((r) => r.rps)),
        p50Ms: median(list.map((r) => r.p50Ms)),
        p99Ms: median(list.map((r) => r.p99Ms)),
        errors: list.reduce((sum, r) => sum + r.errors, 0),
        rounds: list.length,
      },
    ]),
  )
}
