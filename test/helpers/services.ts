// Which real peers the tests can reach. A suite that needs an absent service is skipped with a
// printed notice on a developer's machine, and fails under CI (CI=true), where it must run.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import net from 'node:net'

export const inCI = Boolean(process.env.CI)

export function canConnect(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Returns a skip reason (for node:test's `skip` option) when the service is unreachable, or
 * false when it is there. Under CI an absent service is an error, not a skip.
 */
export async function skipUnless(name: string, url: string): Promise<string | false> {
  // A few tries: while other test files load, this process's event loop can stall past a
  // timeout on a loaded machine, and a service that is there would then be called absent.
  for (let attempt = 0; attempt < 3; attempt++) if (await canConnect(url, 3000)) return false
  return skipBecause(name, `${name} is not reachable at ${url}`)
}

/** The same for a program that must be installed, such as Debian's chromium. */
export function skipUnlessInstalled(name: string, file: string): string | false {
  try {
    accessSync(file, constants.X_OK)
    return false
  } catch {
    return skipBecause(name, `${name} is not installed at ${file}`)
  }
}

function skipBecause(name: string, message: string): string {
  if (inCI) throw new Error(`${message}, and CI must run this suite`)
  console.log(`# NOTICE: skipping the ${name} suite: ${message}`)
  return message
}

/** Like skipUnless, for a program the suite runs (ffmpeg): false when it runs. */
export function skipUnlessProgram(
  name: string,
  command: string,
  args = ['-version'],
): string | false {
  const ran = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 })
  return ran.status === 0 ? false : skipBecause(name, `${name} (${command}) could not be run`)
}

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
