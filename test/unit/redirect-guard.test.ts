// The guard on every relative Location, whichever route built it: a route that reflects user
// input into a redirect cannot send a browser to another host.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import redirectGuard from '../../src/plugins/redirect-guard.js'

describe('redirect guard', () => {
  it('replaces a Location that leaves the site and keeps the others', async () => {
    const app = Fastify()
    await app.register(redirectGuard)
    app.get('/reflect', async (request, reply) =>
      reply.redirect((request.query as { to: string }).to, 303),
    )
    const cases: Array<[string, string]> = [
      ['//evil.example', '/'],
      ['/\\evil.example', '/'],
      ['/p/AB12#comment-1', '/p/AB12#comment-1'],
      ['/user/alice?x=1', '/user/alice?x=1'],
      // An absolute address is an OAuth client's registered redirect: not the guard's to judge.
      ['https://client.example/cb?code=1', 'https://client.example/cb?code=1'],
    ]
    for (const [to, expected] of cases) {
      const response = await app.inject(`/reflect?to=${encodeURIComponent(to)}`)
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, expected, to)
    }
    await app.close()
  })
})
