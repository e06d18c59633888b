// A local stand-in for Sentry's ingestion endpoint: the SDK sends its real envelopes here
// (SENTRY_DSN=http://publickey@127.0.0.1:PORT/1), and tests read what arrived, raw and parsed.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export interface SentryEvent {
  message?: string
  level?: string
  tags?: Record<string, string>
  contexts?: Record<string, Record<string, unknown>>
  user?: Record<string, unknown>
  request?: Record<string, unknown>
  exception?: { values?: Array<{ type?: string; value?: string }> }
  [key: string]: unknown
}

export interface SentryStub {
  dsn: string
  /** Every envelope as received, decompressed, for "this never appears anywhere" checks. */
  envelopes: string[]
  events(): SentryEvent[]
  close(): Promise<void>
}

export async function startSentryStub(): Promise<SentryStub> {
  const envelopes: string[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body = Buffer.concat(chunks)
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
    if (req.method === 'POST' && /^\/api\/1\/envelope\/?/.test(req.url ?? '')) {
      envelopes.push(body.toString('utf8'))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    envelopes,
    events() {
      const events: SentryEvent[] = []
      for (const envelope of envelopes) {
        // Header line, then item header and payload lines in pairs.
        const lines = envelope.split('\n').filter((line) => line.length > 0)
        for (let i = 1; i + 1 < lines.length; i += 2) {
          const item = JSON.parse(lines[i] as string) as { type?: string }
          if (item.type === 'event') events.push(JSON.parse(lines[i + 1] as string))
        }
      }
      return events
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
