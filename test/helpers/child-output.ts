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

/** The address a server entry point (src/server.ts) says it listens on; rejects if it exits first. */
export function listeningAddress(child: ChildProcess): Promise<string> {
  let output = ''
  return new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', () => reject(new Error(`the server exited: ${output}`)))
  })
}
