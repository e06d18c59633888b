// A TCP proxy that holds what the server sends for a settable time before the client gets it,
// in order: a node whose connection to Redis runs late, as one descheduled under load would be.
import net from 'node:net'

export class DelayingProxy {
  /** How long each chunk from the server waits before it is passed on. */
  delayMs = 0
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    private readonly server: net.Server,
    private readonly target: URL,
  ) {}

  /** A proxy in front of the server at `targetUrl` (redis://host:port/...). */
  static async start(targetUrl: string): Promise<DelayingProxy> {
    const target = new URL(targetUrl)
    const server = net.createServer()
    const proxy = new DelayingProxy(server, target)
    server.on('connection', (client) =>
      proxy.relay(client, target.hostname, Number(target.port || 6379)),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  /** The target's own URL (database, options and all), through the proxy. */
  get url(): string {
    const through = new URL(this.target)
    through.hostname = '127.0.0.1'
    through.port = String((this.server.address() as net.AddressInfo).port)
    return through.toString()
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private relay(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect({ host, port })
    for (const socket of [client, upstream]) {
      this.sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        this.sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk) => upstream.write(chunk))
    // Each chunk is due its delay after it arrived, and is passed on after the one before it.
    let passed = Promise.resolve()
    upstream.on('data', (chunk) => {
      const due = Date.now() + this.delayMs
      passed = passed.then(async () => {
        const wait = due - Date.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        if (!client.destroyed) client.write(chunk)
      })
    })
  }
}
