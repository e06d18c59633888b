// Starting the server side pinned to its core, waiting for it, reading its memory and stopping it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { projectRoot } from '../../src/paths.js'

/** The server side (app, worker, nginx, Redis, baselines) runs here; the load generator on 0. */
export const SERVER_CORE = '1'
export const CLIENT_CORE = '0'

const started: ChildProcess[] = []

let built = false

/**
 * Compiles the app and the harness's child scripts to dist/ (once per run; incremental), so
 * that every measured process runs plain JavaScript as production does (the Dockerfile, `npm
 * start`), with no TypeScript loader resident in it.
 */
export function buildOnce(): void {
  if (built) return
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', path.join(projectRoot, 'bench/tsconfig.build.json')], {
    cwd: projectRoot,
    stdio: 'inherit',
  })
  built = true
}

/** The web process's V8 flags, as the Dockerfile and `npm start` give them. */
export const WEB_NODE_FLAGS = [
  '--max-old-space-size=1024',
  // e.g. BENCH_WEB_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a scenario's
  // CPU goes (the profile is written when the harness stops the process).
  ...(process.env.BENCH_WEB_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
]

/** The command that runs a script of the repository (src/… or bench/harness/…) compiled. */
export function compiled(script: string, nodeFlags: string[] = []): [string, ...string[]] {
  buildOnce()
  return [
    process.execPath,
    ...nodeFlags,
    path.join(projectRoot, 'dist', script.replace(/\.ts$/, '.js')),
  ]
}

/** Spawns a command pinned to the server core; the harness stops it on exit. */
export function pinned(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; log?: boolean } = {},
): ChildProcess {
  const child = spawn('taskset', ['-c', SERVER_CORE, command, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', options.log ? 'inherit' : 'ignore', 'inherit'],
  })
  started.push(child)
  return child
}

export async function stopAll(): Promise<void> {
  for (const child of started.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const exited = new Promise((resolve) => child.once('close', resolve))
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000))
      if ((await Promise.race([exited.then(() => true), timeout.then(() => false)])) === false)
        child.kill('SIGKILL')
    }
  }
}

export async function waitFor(url: string, child: ChildProcess, what: string, ms = 60_000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`)
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what} did not answer ${url}`)
}

/** Resident memory now and its high-water mark, in MB. taskset execs, so the pid is the program's. */
export async function memoryMb(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1])
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}
