// Posting from a URL: real HTTP servers on loopback addresses stand in for the web. The site
// exempts 127.0.0.2 (as an operator may exempt an internal image host); every other private
// or loopback address must be refused without a connection being made.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isForbiddenAddress } from '../../src/media/fetch-remote.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import * as images from '../helpers/images.js'

interface Peer {
  server: Server
  url: string
  hits: string[]
}

async function peer(
  host: string,
  handler: (path: string, res: import('node:http').ServerResponse) => void,
): Promise<Peer> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    handler(req.url ?? '', res)
  })
  server.listen(0, host)
  await once(server, 'listening')
  return { server, hits, url: `http://${host}:${(server.address() as AddressInfo).port}` }
}

describe('posting from a URL', () => {
  let site: TestSite
  let alice: Browser
  let web: Peer
  let internal: Peer
  const files: Record<string, { body: Buffer; type: string }> = {}

  before(async () => {
    files['/photo.jpg'] = { body: await images.jpeg(500, 400), type: 'image/jpeg' }
    files['/pic.png'] = { body: await images.png(), type: 'image/png' }
    files['/anim.gif'] = { body: await images.animatedGif(), type: 'image/gif' }
    files['/img.webp'] = { body: await images.webp(300, 200), type: 'image/webp' }
    files['/page.html'] = { body: images.html, type: 'image/jpeg' }
    files['/albums/My%20Cat%00%E2%80%AE.jpg'] = {
      body: await images.jpeg(60, 40),
      type: 'image/jpeg',
    }
    // What must never be fetched: it stands on 127.0.0.1, which is not exempted.
    internal = await peer('127.0.0.1', (_path, res) => res.end('internal secrets'))
    web = await peer('127.0.0.2', (path, res) => {
      const file = files[path.split('?')[0] as string]
      if (file) return res.writeHead(200, { 'content-type': file.type }).end(file.body)
      if (path === '/to-internal')
        return res.writeHead(302, { location: `${internal.url}/admin` }).end()
      if (path === '/to-photo') return res.writeHead(301, { location: '/photo.jpg' }).end()
      if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end()
      if (path === '/endless') {
        res.writeHead(200, { 'content-type': 'image/jpeg' })
        const chunk = Buffer.alloc(64 * 1024, 0xff)
        const pump = () => {
          while (res.write(chunk)) {
            if (res.destroyed) return
          }
          res.once('drain', pump)
        }
        res.on('error', () => {})
        return pump()
      }
      if (path === '/slow') {
        res.writeHead(200, { 'content-type': 'image/jpeg' })
        const timer = setInterval(() => res.write(Buffer.from([0xff])), 200)
        res.on('close', () => clearInterval(timer))
        return
      }
      if (path === '/big-declared')
        return res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).end()
      res.writeHead(404).end('not found')
    })
    site = await createTestSite(
      {
        URL_FETCH_ALLOWED_ADDRESSES: '127.0.0.2/32',
        URL_FETCH_TIMEOUT_SECONDS: '2',
        UPLOAD_MAX_BYTES: String(1024 * 1024),
        RATE_LIMIT_UPLOAD: '1000/60',
      },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
  })
  after(async () => {
    web.server.closeAllConnections()
    web.server.close()
    internal.server.close()
    await site.close()
  })

  async function postUrl(url: string, title = '') {
    await alice.get('/tools/new-post')
    return alice.post('/tools/p', { url, title })
  }

  it('posts a JPEG, PNG, GIF and WebP found at an address, and follows a redirect', async () => {
    for (const path of ['/photo.jpg', '/pic.png', '/anim.gif', '/img.webp', '/to-photo']) {
      const response = await postUrl(`${web.url}${path}`, `from ${path}`)
      assert.equal(response.statusCode, 302, `${path}: ${response.body.slice(0, 300)}`)
      const page = await alice.get(location(response) as string)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, new RegExp(`from ${path}`))
    }
  })

  it('refuses loopback, private and other special addresses without connecting', async () => {
    const before = internal.hits.length
    for (const url of [
      `${internal.url}/admin`,
      'http://localhost:1/x.jpg',
      'http://10.0.0.1/x.jpg',
      'http://192.168.1.1/x.jpg',
      'http://172.16.0.1/x.jpg',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/x.jpg',
      'http://0.0.0.0/x.jpg',
      'http://[::1]/x.jpg',
      'http://[::ffff:127.0.0.1]/x.jpg',
      'http://[fd00::1]/x.jpg',
      'http://[fe80::1]/x.jpg',
      'http://2130706433/x.jpg',
      'http://0x7f.1/x.jpg',
    ]) {
      const response = await postUrl(url)
      assert.equal(response.statusCode, 422, url)
      assert.match(response.body, /private network/, url)
    }
    assert.equal(internal.hits.length, before, 'nothing reached the internal server')
  })

  it('refuses a redirect to a private address without following it', async () => {
    const response = await postUrl(`${web.url}/to-internal`)
    assert.equal(response.statusCode, 422)
    assert.match(response.body, /private network/)
    assert.equal(internal.hits.length, 0)
  })

  it('refuses endless, slow, oversized and non-image bodies, and other schemes', async () => {
    const cases: Array<[string, number, RegExp]> = [
      [`${web.url}/endless`, 413, /larger than/],
      [`${web.url}/big-declared`, 413, /larger than/],
      [`${web.url}/slow`, 422, /took too long/],
      [`${web.url}/loop`, 422, /redirected too many times/],
      [`${web.url}/page.html`, 415, /not an image/],
      [`${web.url}/missing.jpg`, 422, /HTTP 404/],
      ['ftp://example.com/x.jpg', 422, /Only http/],
      ['javascript:alert(1)', 422, /Only http/],
      ['file:///etc/passwd', 422, /Only http/],
      ['http://user:pass@example.com/x.jpg', 422, /user name or password/],
      ['not a url', 422, /not a web address/],
    ]
    for (const [url, status, message] of cases) {
      const started = Date.now()
      const response = await postUrl(url)
      assert.equal(response.statusCode, status, `${url}: ${response.body.slice(0, 200)}`)
      assert.match(response.body, message, url)
      assert.ok(Date.now() - started < 6000, `${url} answered within the time limit`)
    }
    const posts = await site.app.db.selectFrom('sharedfile').select('id').execute()
    assert.equal(posts.length, 5, 'only the good posts of the first test were stored')
    const leftovers = await readdir(site.config.tmpDir, { recursive: true }).catch(() => [])
    assert.deepEqual(leftovers, [], 'no temporary files left')
  })

  it("keeps the URL's last segment, decoded and cleaned, as the file's name", async () => {
    const response = await postUrl(`${web.url}/albums/My%20Cat%00%E2%80%AE.jpg?size=big`)
    assert.equal(response.statusCode, 302, response.body.slice(0, 300))
    const key = (location(response) as string).slice('/p/'.length)
    const post = await site.app.posts.find(key)
    assert.equal(post?.fileName, 'My Cat.jpg')
  })

  it("opens MLTSHP's bookmarklet address with the form filled in, escaped and cut to size", async () => {
    const image = `${web.url}/photo.jpg`
    const query = new URLSearchParams({
      url: image,
      title: `"><script>alert(1)</script>${'t'.repeat(300)}`,
      description: 'Seen on the web #found',
      alt_text: 'A test card, <grey> & white',
    })
    const visitor = await site.app.inject({ url: `/tools/p?${query}` })
    assert.equal(visitor.statusCode, 302)
    assert.equal(
      visitor.headers.location,
      `/sign-in?next=${encodeURIComponent(`/tools/p?${query}`)}`,
      'a visitor signs in and comes back to it',
    )

    const form = await alice.get(`/tools/p?${query}`)
    assert.equal(form.statusCode, 200)
    const urlForm = form.body.slice(form.body.indexOf('action="/tools/p"'))
    assert.match(urlForm, new RegExp(`name="url" type="url"\\s+value="${image}"`))
    assert.ok(urlForm.includes('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;ttt'))
    assert.ok(!form.body.includes('<script>alert(1)'), 'escaped')
    const title = /id="f-url-title"[^>]*value="([^"]*)"/.exec(urlForm)?.[1] ?? ''
    assert.equal(title.replaceAll(/&[a-z]+;/g, '_').length, 255, 'cut to what a title may hold')
    assert.ok(urlForm.includes('>Seen on the web #found</textarea>'))
    assert.ok(urlForm.includes('>A test card, &lt;grey&gt; &amp; white</textarea>'))
    const uploadForm = form.body.slice(0, form.body.indexOf('action="/tools/p"'))
    assert.ok(!uploadForm.includes('Seen on the web'), 'the upload form is left empty')

    // A refusal gives the address form back as it was sent, the upload form still empty.
    const refused = await alice.post('/tools/p', { url: 'ftp://example.com/x.jpg', title: 'Kept' })
    assert.equal(refused.statusCode, 422)
    const again = refused.body.slice(refused.body.indexOf('action="/tools/p"'))
    assert.match(again, /id="f-url-title"[^>]*value="Kept"/)
    assert.match(again, /value="ftp:\/\/example.com\/x.jpg"/)
    assert.doesNotMatch(refused.body.slice(0, refused.body.indexOf('action="/tools/p"')), /"Kept"/)

    // Posted as filled in: description and alt text come along.
    const posted = await alice.post('/tools/p', {
      url: image,
      title: 'From the bookmarklet',
      description: 'Seen on the web #found',
      alt_text: 'A test card',
    })
    assert.equal(posted.statusCode, 302, posted.body.slice(0, 300))
    const post = await site.app.posts.find((location(posted) as string).slice('/p/'.length))
    assert.equal(post?.description, 'Seen on the web #found')
    assert.equal(post?.altText, 'A test card')
  })
})

describe('the address block list', () => {
  it('covers the special-purpose ranges and lets public addresses through', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.100.100.100',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '::ffff:8.8.8.8',
    ]) {
      assert.ok(isForbiddenAddress(address), address)
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111']) {
      assert.equal(isForbiddenAddress(address), false, address)
    }
  })
})
