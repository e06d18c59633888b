// A TCP proxy that holds what the server sends for a settable time before the client gets it,
// in order: a node whose connection to Redis runs late, as one descheduled under load would be.
import net from 'node:net'

export class DelayingProxy {
  /** How long each chunk from the server waits before it is passed on. */
  delayMs = 0
  private readonly sockets = new Set<net.Socket>()

  private constructor(private readonly server: net.Server) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<DelayingProxy> {
    const server = net.createServer()
    const proxy = new DelayingProxy(server)
    server.on('connection', (client) => proxy.relay(client, targetHost, targetPort))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return proxy
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
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
