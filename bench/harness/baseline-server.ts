// The baselines the app is measured against, each a process of its own so it can be pinned
// and its memory read: `hello` is bare node:http; `fastify` is bare Fastify answering /hello and
// the pre-rendered pages (files given on the command line, sent from memory).
//
//   node dist/bench/harness/baseline-server.js hello PORT
//   node dist/bench/harness/baseline-server.js fastify PORT [page.html ...]
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import Fastify from 'fastify'

const [mode, portText, ...pageFiles] = process.argv.slice(2)
const port = Number(portText)

if (mode === 'hello') {
  const body = JSON.stringify({ hello: 'world' })
  http
    .createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(body)
    })
    .listen(port, '127.0.0.1', () => console.log('listening'))
} else {
  const app = Fastify({ logger: false })
  app.get('/hello', async () => ({ hello: 'world' }))
  const pages = new Map<string, string>()
  for (const file of pageFiles)
    pages.set(path.basename(file, '.html'), await readFile(file, 'utf8'))
  app.get<{ Params: { name: string } }>('/page/:name', async (request, reply) => {
    const html = pages.get(request.params.name)
    if (html === undefined) return reply.code(404).send()
    return reply.type('text/html; charset=utf-8').send(html)
  })
  await app.listen({ port, host: '127.0.0.1' })
  console.log('listening')
}
