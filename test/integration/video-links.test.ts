// Posting a video by its link: a real HTTP server on 127.0.0.2 (exempted the way an operator
// would exempt a host) stands in for YouTube's and Vimeo's oEmbed endpoints and for the host
// of their thumbnails. The site must ask it through the guarded fetch, keep only checked facts
// and its own copy of the thumbnail, and show a player it builds from the video id.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite, useS3 } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { location } from '../helpers/browser.js'
import { snapshot } from '../helpers/db-snapshot.js'
import * as images from '../helpers/images.js'
import { settle } from '../helpers/jobs.js'

const PLAYER_ORIGINS = 'https://www.youtube-nocookie.com https://player.vimeo.com'

interface Provider {
  server: Server
  url: string
  /** Every request, path and query. */
  hits: string[]
}

/** A host the site must never reach: 127.0.0.1 is not exempted. */
let internalUrl = ''

/** What the stand-in answers for a video id (the id picks the misbehaviour). */
function oembedAnswer(provider: string, id: string, base: string) {
  return {
    version: '1.0',
    type: 'video',
    provider_name: provider,
    title: id === 'htmlinject1' ? 'Cats <script>alert(1)</script>\u202E' : `The video ${id}`,
    author_name: id === 'htmlinject1' ? '<img src=x onerror=alert(2)>' : 'Some Channel',
    width: 480,
    height: 270,
    thumbnail_url:
      id === 'nonimage001'
        ? `${base}/page.html`
        : id === 'ssrfthumb01'
          ? internalUrl
          : `${base}/thumbs/${id}.jpg`,
    thumbnail_width: 480,
    thumbnail_height: 360,
    // Providers send player HTML: it must never be kept or shown.
    html: '<iframe src="https://evil.example/player"></iframe><script>alert(3)</script>',
  }
}

async function startProvider(): Promise<Provider> {
  const hits: string[] = []
  const thumbnail = await images.jpeg(480, 360)
  const server = createServer((req, res) => {
    const path = req.url ?? ''
    hits.push(path)
    const base = `http://127.0.0.2:${(server.address() as AddressInfo).port}`
    const url = new URL(path, base)
    if (url.pathname === '/thumbs/slowthumb01.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' })
      const timer = setInterval(() => res.write(Buffer.from([0xff])), 200)
      res.on('close', () => clearInterval(timer))
      return
    }
    if (url.pathname.startsWith('/thumbs/'))
      return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(thumbnail)
    if (url.pathname === '/page.html')
      return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(images.html)
    const provider = url.pathname === '/yt/oembed' ? 'YouTube' : 'Vimeo'
    if (url.pathname !== '/yt/oembed' && url.pathname !== '/vimeo/oembed.json')
      return res.writeHead(404).end('not found')
    const videoUrl = url.searchParams.get('url') ?? ''
    const id = /[?&]v=([^&]+)/.exec(videoUrl)?.[1] ?? videoUrl.split('/').pop() ?? ''
    if (id === 'garbage0000')
      return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>')
    if (id === 'notvideo001') {
      const doc = { ...oembedAnswer(provider, id, base), type: 'photo' }
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
    }
    if (id === 'badsizes001') {
      const doc = { ...oembedAnswer(provider, id, base), width: -5, height: 'tall' }
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
    }
    if (id === 'privatevid1') return res.writeHead(401).end('Unauthorized')
    if (id === 'hugeanswer1') {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(16 * 1024, 0x20)
      const pump = () => {
        while (res.write(chunk)) {
          if (res.destroyed) return
        }
        res.once('drain', pump)
      }
      res.on('error', () => {})
      return pump()
    }
    if (id === 'slowanswer1') {
      res.writeHead(200, { 'content-type': 'application/json' })
      const timer = setInterval(() => res.write(' '), 200)
      res.on('close', () => clearInterval(timer))
      return
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(oembedAnswer(provider, id, base)))
  })
  server.listen(0, '127.0.0.2')
  await once(server, 'listening')
  return { server, hits, url: `http://127.0.0.2:${(server.address() as AddressInfo).port}` }
}

/** Every absolute address a page's markup points at, with the attribute it is in. */
function addresses(html: string): Array<{ attribute: string; value: string }> {
  return [...html.matchAll(/\s([a-z-]+)="([^"]*:\/\/[^"]*)"/g)].map((m) => ({
    attribute: m[1] as string,
    value: m[2] as string,
  }))
}

describe('posting a video by its link', () => {
  let site: TestSite
  let alice: Browser
  let bob: Browser
  let provider: Provider
  let internal: Server
  let internalHits = 0

  before(async () => {
    internal = createServer((_req, res) => {
      internalHits++
      res.end('internal secrets')
    })
    internal.listen(0, '127.0.0.1')
    await once(internal, 'listening')
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/latest/meta-data`
    provider = await startProvider()
    site = await createTestSite(
      {
        URL_FETCH_ALLOWED_ADDRESSES: '127.0.0.2/32',
        URL_FETCH_TIMEOUT_SECONDS: '2',
        RATE_LIMIT_UPLOAD: '1000/60',
        VIDEO_OEMBED_ENDPOINTS: JSON.stringify({
          youtube: `${provider.url}/yt/oembed`,
          vimeo: `${provider.url}/vimeo/oembed.json`,
        }),
      },
      { s3: useS3 },
    )
    alice = await signUp(site.app, 'alice')
    bob = await signUp(site.app, 'bob')
  })
  after(async () => {
    provider.server.closeAllConnections()
    provider.server.close()
    internal.close()
    await site.close()
  })

  async function postVideo(who: Browser, url: string, extra: Record<string, string> = {}) {
    await who.get('/tools/save-video')
    return who.post('/tools/save-video', { url, ...extra })
  }

  async function postedKey(who: Browser, url: string, extra: Record<string, string> = {}) {
    const response = await postVideo(who, url, extra)
    assert.equal(response.statusCode, 302, `${url}: ${response.body.slice(0, 400)}`)
    return (location(response) as string).slice('/p/'.length)
  }

  async function storedFiles(): Promise<string[]> {
    return (await site.app.fileStore.list('i/')).sort()
  }

  it('shows the form to members only', async () => {
    const visitor = await site.app.inject({ method: 'GET', url: '/tools/save-video' })
    assert.equal(visitor.statusCode, 302)
    assert.match(String(visitor.headers.location), /^\/sign-in/)
    const page = await alice.get('/tools/save-video?url=https://youtu.be/dQw4w9WgXcQ')
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /name="_csrf"/)
    assert.match(page.body, /value="https:\/\/youtu\.be\/dQw4w9WgXcQ"/)
  })

  it('takes every YouTube and Vimeo link shape, keyed by one canonical address', async () => {
    const cases: Array<[string, string, string]> = [
      ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&si=tracking', 'youtube', 'dQw4w9WgXcQ'],
      ['https://youtube.com/watch?feature=share&v=abcdefghijk', 'youtube', 'abcdefghijk'],
      ['https://m.youtube.com/watch?v=mobile_0001', 'youtube', 'mobile_0001'],
      ['https://youtu.be/shortlink01?si=x', 'youtube', 'shortlink01'],
      ['https://www.youtube.com/shorts/shortsvid01', 'youtube', 'shortsvid01'],
      ['https://vimeo.com/76979871', 'vimeo', '76979871'],
      ['http://www.vimeo.com/123456/', 'vimeo', '123456'],
    ]
    for (const [url, kind, id] of cases) {
      const key = await postedKey(alice, url)
      const canonical =
        kind === 'youtube' ? `https://www.youtube.com/watch?v=${id}` : `https://vimeo.com/${id}`
      const post = await site.app.posts.find(key)
      assert.deepEqual(post?.sourcefile.videoLink, {
        provider: kind,
        id,
        url: canonical,
        title: `The video ${id}`,
        authorName: 'Some Channel',
        width: 480,
        height: 270,
      })
      assert.equal(
        post?.title,
        `The video ${id}`,
        'the title is the video’s own when none is typed',
      )
      assert.equal(post?.fileName, canonical)
      const endpoint = kind === 'youtube' ? '/yt/oembed' : '/vimeo/oembed.json'
      assert.ok(
        provider.hits.includes(`${endpoint}?url=${encodeURIComponent(canonical)}&format=json`),
        `${url}: the provider was asked about ${canonical}`,
      )
    }
    // The thumbnail was stored by us, under the URL's hash, in every rendition.
    const files = await storedFiles()
    assert.ok(
      files.some((f) => /^i\/[0-9a-f]{40}\/thumb\.jpg$/.test(f)),
      files.join(','),
    )
  })

  it('refuses other sites, other schemes and malformed ids, storing nothing', async () => {
    await alice.get('/tools/save-video')
    await settle(site.app) // earlier thumbnails' AVIF and WebP, made after their answers
    const before = await snapshot(site.app.db)
    const hits = provider.hits.length
    const cases: Array<[string, RegExp]> = [
      ['https://example.com/watch?v=dQw4w9WgXcQ', /Only YouTube and Vimeo/],
      ['https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ', /Only YouTube and Vimeo/],
      ['https://evil.example/youtu.be/dQw4w9WgXcQ', /Only YouTube and Vimeo/],
      [`${provider.url}/thumbs/x.jpg`, /Only YouTube and Vimeo/],
      ['https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ', /Only YouTube and Vimeo/],
      ['javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ', /Only http/],
      ['ftp://youtube.com/watch?v=dQw4w9WgXcQ', /Only http/],
      ['https://user:pw@youtube.com/watch?v=dQw4w9WgXcQ', /user name or password/],
      ['https://www.youtube.com/watch?v=short', /does not name a video/],
      ['https://www.youtube.com/watch?v=%3Cscript%3Eab', /does not name a video/],
      ['https://www.youtube.com/watch?list=PL123', /does not name a video/],
      ['https://www.youtube.com/channel/UCabcdefghij', /does not name a video/],
      ['https://vimeo.com/channels/staffpicks', /does not name a video/],
      ['https://vimeo.com/0123', /does not name a video/],
      ['not a link', /not a web address/],
      ['', /Paste the link/],
    ]
    for (const [url, message] of cases) {
      const response = await alice.post('/tools/save-video', { url })
      assert.equal(response.statusCode, 400, `${url}: ${response.body.slice(0, 200)}`)
      assert.match(response.body, message, url)
      assert.match(response.body, /role="alert"/, 'the message is on the page')
    }
    assert.equal(provider.hits.length, hits, 'nothing was asked of anyone')
    assert.equal(await snapshot(site.app.db), before, 'nothing was stored')
  })

  it('refuses a provider answering garbage, too much, too slowly, or a non-image thumbnail', async () => {
    await alice.get('/tools/save-video')
    await settle(site.app) // earlier thumbnails' AVIF and WebP, made after their answers
    const before = await snapshot(site.app.db)
    const filesBefore = await storedFiles()
    const cases: Array<[string, number, RegExp]> = [
      ['garbage0000', 422, /could not use \(not JSON\)/],
      ['notvideo001', 422, /its type is missing or wrong/],
      ['badsizes001', 422, /its width is missing or wrong/],
      ['privatevid1', 422, /public and embeddable.*HTTP 401/],
      ['hugeanswer1', 422, /larger than 64 KB/],
      ['slowanswer1', 422, /took too long/],
      ['nonimage001', 415, /picture is not an image/],
      ['slowthumb01', 422, /picture from YouTube could not be fetched: That address took too long/],
      // A provider naming a private address as the thumbnail: refused without connecting.
      ['ssrfthumb01', 422, /could not be fetched: That address points to a private network/],
    ]
    for (const [id, status, message] of cases) {
      const started = Date.now()
      const response = await alice.post('/tools/save-video', {
        url: `https://www.youtube.com/watch?v=${id}`,
      })
      assert.equal(response.statusCode, status, `${id}: ${response.body.slice(0, 300)}`)
      assert.match(response.body.replaceAll('&#39;', "'"), message, id)
      assert.ok(Date.now() - started < 6000, `${id}: answered within the time limit`)
    }
    assert.equal(await snapshot(site.app.db), before, 'nothing was stored')
    assert.deepEqual(await storedFiles(), filesBefore, 'no file was left behind')
    assert.equal(internalHits, 0, 'nothing reached the internal host')
  })

  it('posts a video once per person and shake, and reuses its stored copy for others', async () => {
    const url = 'https://www.youtube.com/watch?v=dedupvideo1'
    const first = await postedKey(alice, url, { title: 'Mine' })
    const thumbHits = provider.hits.filter((h) => h.startsWith('/thumbs/dedupvideo1')).length
    assert.equal(thumbHits, 1)
    // The same video by the same person to the same shake, in another spelling: the same post.
    const again = await postedKey(alice, 'https://youtu.be/dedupvideo1', { title: 'Other' })
    assert.equal(again, first)
    const bobs = await postedKey(bob, 'https://m.youtube.com/watch?v=dedupvideo1')
    assert.notEqual(bobs, first)
    const rows = await site.app.db
      .selectFrom('sharedfile')
      .select(['id', 'sourcefile_id'])
      .where('id', 'in', [Number.parseInt(first, 36), Number.parseInt(bobs, 36)])
      .execute()
    assert.equal(rows.length, 2)
    assert.equal(rows[0]?.sourcefile_id, rows[1]?.sourcefile_id, 'one stored video for both')
    assert.equal(
      provider.hits.filter((h) => h.startsWith('/thumbs/dedupvideo1')).length,
      1,
      'the thumbnail was fetched once',
    )
    assert.equal(
      provider.hits.filter((h) => h.includes('dedupvideo1') && h.startsWith('/yt/')).length,
      1,
      'the provider was asked once',
    )
  })

  it('shows a click-to-play facade with our thumbnail and no third-party request', async () => {
    const key = await postedKey(alice, 'https://www.youtube.com/watch?v=htmlinject1', {
      description: 'A #cat video',
    })
    await settle(site.app)
    const watch = 'https://www.youtube.com/watch?v=htmlinject1'
    const player = 'https://www.youtube-nocookie.com/embed/htmlinject1'
    for (const path of [`/p/${key}`, '/user/alice', '/']) {
      const page = await alice.get(path)
      assert.equal(page.statusCode, 200, path)
      assert.match(
        page.body,
        new RegExp(
          `<a class="video-link-facade" href="${watch.replace(/[?.]/g, '\\$&')}" data-player="${player}"`,
        ),
        path,
      )
      // Our copy of the thumbnail, served by us.
      assert.match(page.body, new RegExp(`<img src="/r/${key}(/550|/1100)?"`), path)
      // Other video posts may be on a stream: each facade names its video and its player,
      // and nothing else on the page points away from the site.
      const facade =
        /<a class="video-link-facade" href="https:\/\/(www\.youtube\.com\/watch\?v=|vimeo\.com\/)[\w-]+" data-player="https:\/\/(www\.youtube-nocookie\.com\/embed|player\.vimeo\.com\/video)\/[\w-]+"/g
      for (const { attribute, value } of addresses(page.body.replace(facade, ''))) {
        assert.ok(
          value.startsWith('http://mlkshk.test/'),
          `${path}: ${attribute}="${value}" points elsewhere`,
        )
      }
      assert.doesNotMatch(page.body, /evil\.example|127\.0\.0\.2|<script>alert/, path)
      assert.doesNotMatch(page.body, /<iframe/, `${path}: no player before a click`)
      const csp = String(page.headers['content-security-policy'])
      assert.match(csp, new RegExp(`(^|;)\\s*frame-src ${PLAYER_ORIGINS}\\s*(;|$)`), path)
    }
    const page = await alice.get(`/p/${key}`)
    // The provider's title is escaped text, without its direction override.
    assert.match(page.body, /Cats &lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    assert.doesNotMatch(page.body, /\u202E/)
    assert.match(page.body, /by &lt;img src=x onerror=alert\(2\)&gt;/)
    // /r/KEY serves the thumbnail (an image of ours), in every size.
    for (const size of ['', '/thumb', '/550', '/small']) {
      const raw = await site.app.inject({ method: 'GET', url: `/r/${key}${size}` })
      assert.equal(raw.statusCode === 200 || raw.statusCode === 302, true, `/r/${key}${size}`)
      if (raw.statusCode === 200) assert.equal(raw.headers['content-type'], 'image/jpeg')
    }
  })

  it('is a "link" in the API, a "video" in oEmbed and an item in the RSS feed', async () => {
    const key = await postedKey(alice, 'https://vimeo.com/555000111', { title: 'Rivers in motion' })
    await settle(site.app)
    // API, as MLTSHP's sharedfile: type link and the video's url instead of an image's.
    const { apiClient, grantTokens, registerApp } = await import('../helpers/api.js')
    const carol = await signUp(site.app, 'carol')
    const client = await registerApp(carol)
    const api = apiClient(site.app, (await grantTokens(site.app, bob, client)).access)
    const file = (await api.get(`/api/sharedfile/${key}`)).body
    assert.equal(file.type, 'link')
    assert.equal(file.url, 'https://vimeo.com/555000111')
    assert.equal(file.name, 'https://vimeo.com/555000111')
    assert.equal(file.original_image_url, undefined)
    assert.equal(file.title, 'Rivers in motion')

    const oembed = await site.app.inject({
      method: 'GET',
      url: `/services/oembed?url=${encodeURIComponent(`http://mlkshk.test/p/${key}`)}&maxwidth=240`,
    })
    assert.equal(oembed.statusCode, 200)
    const embed = JSON.parse(oembed.body)
    assert.equal(embed.type, 'video')
    assert.deepEqual([embed.width, embed.height], [240, 135])
    assert.equal(
      embed.html,
      '<iframe src="https://player.vimeo.com/video/555000111" width="240" height="135" title="Rivers in motion" frameborder="0" allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe>',
    )
    assert.equal(embed.thumbnail_url, `http://mlkshk.test/r/${key}/thumb`)

    const rss = await site.app.inject({ method: 'GET', url: '/user/alice/rss' })
    assert.equal(rss.statusCode, 200)
    const item = rss.body.split('<item>').find((i) => i.includes(`/p/${key}<`)) ?? ''
    assert.match(item, /<title>Rivers in motion<\/title>/)
    assert.match(item, /Watch on Vimeo/)
    assert.match(item, new RegExp(`/r/${key}/550|/r/${key}`))
    assert.doesNotMatch(item, /<enclosure/)
  })

  it('is found by search, and liked, saved and commented on like any post', async () => {
    const key = await postedKey(alice, 'https://www.youtube.com/watch?v=searchable1', {
      title: 'Zanzibar harbour at dawn',
    })
    await settle(site.app)
    const found = await bob.get('/search?q=zanzibar')
    assert.match(found.body, new RegExp(`href="/p/${key}"`))
    assert.match(found.body, /class="video-link-facade"/)

    await bob.get(`/p/${key}`)
    const liked = await bob.post(`/p/${key}/like`, {}, { headers: { accept: 'application/json' } })
    assert.equal(liked.statusCode, 200, liked.body)
    assert.equal(JSON.parse(liked.body).like_count, 1)
    const saved = await bob.post(`/p/${key}/save`, {})
    assert.equal(saved.statusCode, 303)
    const savedKey = (location(saved) as string).slice(3)
    const copy = await site.app.posts.find(savedKey)
    assert.equal(copy?.sourcefile.videoLink?.id, 'searchable1', 'the saved copy is the video')
    await bob.get(`/p/${key}`)
    const commented = await bob.post(`/p/${key}/comment`, { body: 'Lovely light' })
    assert.equal(commented.statusCode, 303)
    const page = await alice.get(`/p/${key}`)
    assert.match(page.body, /1 like</)
    assert.match(page.body, /1 save</)
    assert.match(page.body, /Lovely light/)
    const likes = await bob.get('/user/bob/likes')
    assert.match(likes.body, new RegExp(`data-post="${key}"`))
  })

  it('refuses a form without its CSRF token', async () => {
    await alice.get('/tools/save-video')
    await settle(site.app) // earlier thumbnails' AVIF and WebP, made after their answers
    const before = await snapshot(site.app.db)
    const hits = provider.hits.length
    const response = await alice.post(
      '/tools/save-video',
      { url: 'https://www.youtube.com/watch?v=csrfvideo01' },
      { csrf: false },
    )
    assert.equal(response.statusCode, 403)
    assert.equal(provider.hits.length, hits)
    assert.equal(await snapshot(site.app.db), before)
  })
})
