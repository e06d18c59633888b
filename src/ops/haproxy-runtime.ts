// HAProxy's runtime API over its admin socket (`stats socket ... level admin` in haproxy.cfg):
// one connection per command, which HAProxy answers and then closes (non-interactive mode).
import net from 'node:net'

export class HaproxyRuntimeError extends Error {
  override name = 'HaproxyRuntimeError'
}

/** A UNIX socket path, or host:port (HAProxy's `ipv4@HOST:PORT` bind). */
export type RuntimeAddress = { path: string } | { host: string; port: number }

export function parseRuntimeAddress(text: string): RuntimeAddress {
  const tcp = /^(?:ipv4@)?([^/:]+):(\d+)$/.exec(text)
  if (tcp) return { host: tcp[1] as string, port: Number(tcp[2]) }
  return { path: text }
}

export class HaproxyRuntime {
  constructor(
    private readonly address: RuntimeAddress,
    private readonly timeoutMs = 5000,
  ) {}

  /** Sends one command and returns HAProxy's whole answer. */
  command(line: string): Promise<string> {
    if (/[\n;]/.test(line)) throw new HaproxyRuntimeError(`one command at a time: ${line}`)
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.address)
      const chunks: Buffer[] = []
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(new HaproxyRuntimeError(`no answer to "${line}" in ${this.timeoutMs} ms`)),
      )
      socket.on('connect', () => socket.end(`${line}\n`))
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('error', (error) =>
        reject(
          error instanceof HaproxyRuntimeError
            ? error
            : new HaproxyRuntimeError(
                `HAProxy's runtime API at ${describe(this.address)}: ${(error as Error).message}`,
              ),
        ),
      )
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'))
      })
    })
  }
}

export function describe(address: RuntimeAddress): string {
  return 'path' in address ? address.path : `${address.host}:${address.port}`
}
