// Runs ffmpeg and ffprobe on hostile input: only local files may be opened (no network, no
// pipes, no lists pointing elsewhere), and a run that outlasts its time is killed outright.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface FfmpegOptions {
  ffmpegPath: string
  timeoutMs: number
}

export interface FfprobeOptions {
  ffprobePath: string
  timeoutMs: number
}

/** No ffmpeg (or ffprobe) on this machine: the caller decides what still works without it. */
export class FfmpegMissingError extends Error {}

/** The program failed on this input (or ran out of time): its first error lines, for the log. */
export class FfmpegFailedError extends Error {}

const safety = ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file']

async function runTool(
  program: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(program, [...args], {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 * 1024 * 1024,
    })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT')
      throw new FfmpegMissingError(`${program} is not installed`)
    const detail = (error as { stderr?: string }).stderr?.trim().slice(0, 500)
    throw new FfmpegFailedError(`${program} failed${detail ? `: ${detail}` : ''}`, {
      cause: error,
    })
  }
}

export async function runFfmpeg(args: readonly string[], options: FfmpegOptions): Promise<void> {
  await runTool(options.ffmpegPath, ['-nostdin', ...safety, ...args], options.timeoutMs)
}

/** ffprobe's output, and its error lines (a file it reads to the end with complaints is damaged). */
export function runFfprobe(
  args: readonly string[],
  options: FfprobeOptions,
): Promise<{ stdout: string; stderr: string }> {
  return runTool(options.ffprobePath, [...safety, ...args], options.timeoutMs)
}
