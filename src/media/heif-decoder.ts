// HEIC photos (HEVC inside HEIF) are decoded by Debian's libheif tools (libheif-examples) in a
// child process, because sharp's prebuilt libvips carries no HEVC decoder. The file is hostile
// and the decoder is C++, so each run is bounded from outside: prlimit caps its address space
// (a decompression bomb fails its allocations instead of pushing the node into swap), the size
// of any file it writes, and core dumps; a timer kills its whole process group. It gets no
// shell, no environment but PATH (none of the site's secrets), a local input file and a
// private, empty output folder.
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { findExecutable } from './find-executable.js'

export interface HeifDecodeOptions {
  /** heif-convert (libheif 1.15, Debian 12) or heif-dec (newer libheif): same arguments. */
  decoderPath: string
  timeoutMs: number
  /** Address-space limit of the decoder process, in bytes. */
  memoryBytes: number
  /** Largest file the decoder may write, in bytes. */
  maxFileBytes: number
}

/** The decoder (or prlimit, which bounds it) is not installed on this machine. */
export class HeifDecoderMissingError extends Error {
  override name = 'HeifDecoderMissingError'
}

/** The decoder ran past its time limit and was killed. */
export class HeifDecodeTimeoutError extends Error {
  override name = 'HeifDecodeTimeoutError'
}

/** The decoder refused the file, or failed on it (out of its memory or file-size limit too). */
export class HeifDecodeError extends Error {
  override name = 'HeifDecodeError'
}

interface Programs {
  prlimit: string
  decoder: string
}

async function programs(decoderPath: string): Promise<Programs | undefined> {
  const [prlimit, decoder] = await Promise.all([
    findExecutable('prlimit'),
    findExecutable(decoderPath),
  ])
  return prlimit && decoder ? { prlimit, decoder } : undefined
}

/** Whether HEIC photos can be decoded here: both the decoder and prlimit are installed. */
export async function heifDecoderAvailable(decoderPath: string): Promise<boolean> {
  return (await programs(decoderPath)) !== undefined
}

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stderr: string
}

/** Runs the program in its own process group, which is killed whole at the time limit. */
function runBounded(
  command: string,
  args: string[],
  options: { timeoutMs: number; cwd: string },
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      shell: false,
    })
    let stderr = ''
    let timedOut = false
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk
    })
    const timer = setTimeout(() => {
      timedOut = true
      try {
        // The negative pid is the group: anything the decoder started goes with it.
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }, options.timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // A descendant that left the group could hold stderr open for ever: once the decoder has
    // exited, its stderr is given a moment, then closed.
    child.once('exit', () => {
      clearTimeout(timer)
      setTimeout(() => child.stderr.destroy(), 1000).unref()
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, timedOut, stderr: stderr.trim().slice(0, 2000) })
    })
  })
}

/** The images the decoder wrote, in the file's order: out.png, or out-1.png, out-2.png... */
async function writtenImages(outDir: string): Promise<string[]> {
  const names = (await readdir(outDir)).filter((name) => /^out(-\d+)?\.png$/.test(name))
  const index = (name: string) => Number(/-(\d+)\.png$/.exec(name)?.[1] ?? 0)
  return names.sort((a, b) => index(a) - index(b)).map((name) => path.join(outDir, name))
}

/**
 * Decodes every top-level image of the HEIF file into a PNG in outDir (a private folder the
 * caller made and removes) and returns their paths in the file's order. libheif applies the
 * file's rotation and mirroring (irot, imir) while decoding, so the pixels come out upright.
 */
export async function decodeHeif(
  input: string,
  outDir: string,
  options: HeifDecodeOptions,
): Promise<string[]> {
  const found = await programs(options.decoderPath)
  if (!found)
    throw new HeifDecoderMissingError(`${options.decoderPath} or prlimit is not installed`)
  let outcome: Outcome
  try {
    outcome = await runBounded(
      found.prlimit,
      [
        `--as=${options.memoryBytes}`,
        `--fsize=${options.maxFileBytes}`,
        '--core=0',
        '--',
        found.decoder,
        '--quiet',
        // Absolute paths: neither can be read as an option.
        path.resolve(input),
        path.join(path.resolve(outDir), 'out.png'),
      ],
      { timeoutMs: options.timeoutMs, cwd: outDir },
    )
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      throw new HeifDecoderMissingError(`${found.prlimit} is not installed`, { cause: error })
    throw error
  }
  if (outcome.timedOut)
    throw new HeifDecodeTimeoutError(`the decoder ran over ${options.timeoutMs} ms and was killed`)
  // The decoder was there a moment ago; prlimit says so when it has gone since.
  if (outcome.stderr.startsWith('prlimit: failed to execute'))
    throw new HeifDecoderMissingError(outcome.stderr)
  if (outcome.code !== 0) {
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with ${outcome.code}`
    throw new HeifDecodeError(`the decoder ${how}${outcome.stderr ? `: ${outcome.stderr}` : ''}`)
  }
  const written = await writtenImages(outDir)
  if (written.length === 0) throw new HeifDecodeError('the decoder wrote no image')
  return written
}
