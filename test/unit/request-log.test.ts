// The web process logs failures and slow requests (with id, method and URL), not every request.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import { RequestLog } from '../../src/observability/request-log.js'

// "Slow" here is 400 ms: a quick answer on a busy CI machine can take 50 (the first request warms
// Fastify up), and /slow waits well past the threshold.
const SLOW_MS = 400

async function logged(url: string): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  const app = Fastify({ logger: { level: 'info', stream }, logController: new RequestLog(SLOW_MS) })
  app.get('/ok', async () => 'ok')
  app.get('/unavailable', async (_request, reply) => reply.code(503).send('down'))
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  // A slow request is the thing under test.
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS + 100))
    return 'slow'
  })
  await app.inject({ url })
  await app.close()
  return lines.filter((line) => line.reqId !== undefined)
}

describe('request log', () => {
  it('writes nothing for a quick, successful request', async () => {
    assert.deepEqual(await logged('/ok'), [])
  })

  it('logs a 5xx answer as an error, with the request id, method and URL', async () => {
    for (const url of ['/unavailable', '/boom']) {
      const completed = (await logged(url)).find((line) => line.msg === 'request completed')
      assert.ok(completed, url)
      assert.equal(completed.level, 50)
      assert.equal(typeof completed.reqId, 'string')
      const request = completed.req as { method: string; url: string }
      assert.equal(request.method, 'GET')
      assert.equal(request.url, url)
      assert.equal(
        (completed.res as { statusCode: number }).statusCode,
        url === '/boom' ? 500 : 503,
      )
    }
  })

  it('logs a slow answer as a warning', async () => {
    const [slow] = await logged('/slow')
    assert.equal(slow?.msg, 'slow request')
    assert.equal(slow?.level, 40)
    assert.ok(Number(slow?.responseTime) >= SLOW_MS)
  })
})
