// What a child process printed and how it ended, for tests that run the real entry points.
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface Finished {
  code: number | null
  stdout: string
  stderr: string
  /** From `started` (by default, this call) to the exit. */
  ms: number
}

/** Collects the child's output until it ends (its stdout and stderr must be pipes). */
export async function finish(child: ChildProcess, started = performance.now()): Promise<Finished> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  // 'close' comes after the output streams end; 'exit' may come before the last line is read.
  const [code] = await once(child, 'close')
  return { code, stdout, stderr, ms: Math.round(performance.now() - started) }
}

/**
 * The address a server entry point (src/server.ts) says it listens on; rejects with the tail of
 * what it printed if it exits first or has not said so within `limitMs` (a hung start fails
 * with its log, not at the runner's ten-minute limit).
 */
export function listeningAddress(child: ChildProcess, limitMs = 60_000): Promise<string> {
  let output = ''
  const collect = (chunk: Buffer | string) => {
    output += chunk
  }
  child.stderr?.on('data', collect)
  return new Promise<string>((resolve, reject) => {
    const tail = () => output.slice(-3000)
    const timer = setTimeout(
      () =>
        reject(
          new Error(`no "Server listening" line within ${limitMs} ms; it printed:\n${tail()}`),
        ),
      limitMs,
    )
    child.stdout?.on('data', (chunk) => {
      collect(chunk)
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', () => {
      clearTimeout(timer)
      reject(new Error(`the server exited before listening; it printed:\n${tail()}`))
    })
  })
}
