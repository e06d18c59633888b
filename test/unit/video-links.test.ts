// The rules of video links without a site: which links name a video and what they canonically
// are, how an oEmbed answer is read, and the VIDEO_OEMBED_ENDPOINTS setting.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.js'
import { ValidationError } from '../../src/services/errors.js'
import { oembedRequestUrl, parseOembedAnswer } from '../../src/services/video-oembed.js'
import { parseVideoUrl, playerUrl } from '../../src/services/video-urls.js'

describe('video link rules', () => {
  it('reads each YouTube and Vimeo link shape as one canonical address', () => {
    const youtube = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'
    for (const link of [
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      '  https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&si=abc  ',
      'http://youtube.com/watch?feature=share&v=dQw4w9WgXcQ',
      'https://m.youtube.com/watch?v=dQw4w9WgXcQ',
      'https://WWW.YouTube.com./watch/?v=dQw4w9WgXcQ',
      'https://youtu.be/dQw4w9WgXcQ',
      'https://youtu.be/dQw4w9WgXcQ?si=tracking&t=3',
      'https://www.youtube.com/shorts/dQw4w9WgXcQ',
      'https://youtube.com/shorts/dQw4w9WgXcQ/?feature=share',
    ]) {
      assert.deepEqual(
        parseVideoUrl(link),
        { provider: 'youtube', id: 'dQw4w9WgXcQ', url: youtube },
        link,
      )
    }
    for (const link of ['https://vimeo.com/76979871', 'http://www.vimeo.com/76979871/']) {
      assert.deepEqual(parseVideoUrl(link), {
        provider: 'vimeo',
        id: '76979871',
        url: 'https://vimeo.com/76979871',
      })
    }
    assert.equal(
      playerUrl({ provider: 'youtube', id: 'dQw4w9WgXcQ' }),
      'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ',
    )
    assert.equal(
      playerUrl({ provider: 'vimeo', id: '76979871' }),
      'https://player.vimeo.com/video/76979871',
    )
  })

  it('refuses everything else, on the url field', () => {
    for (const link of [
      '',
      'dQw4w9WgXcQ',
      'javascript:alert(1)',
      'data:text/html,<script>',
      'https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ',
      'https://evil.example/?u=https://youtu.be/dQw4w9WgXcQ',
      'https://music.youtube.com/watch?v=dQw4w9WgXcQ',
      'https://www.youtube.com:444/watch?v=dQw4w9WgXcQ',
      'https://a:b@youtu.be/dQw4w9WgXcQ',
      'https://www.youtube.com/watch?v=dQw4w9WgXc',
      'https://www.youtube.com/watch?v=dQw4w9WgXcQQ',
      'https://www.youtube.com/watch?v=dQw4w9WgX%22Q',
      'https://www.youtube.com/watch',
      'https://www.youtube.com/embed/dQw4w9WgXcQ',
      'https://youtu.be/',
      'https://youtu.be/dQw4w9WgXcQ/extra',
      'https://vimeo.com/',
      'https://vimeo.com/007',
      'https://vimeo.com/1234567890123',
      'https://vimeo.com/123/456',
      'https://player.vimeo.com/video/123',
      `https://youtu.be/${'x'.repeat(2001)}`,
    ]) {
      assert.throws(
        () => parseVideoUrl(link),
        (error: unknown) => error instanceof ValidationError && 'url' in error.fields,
        link,
      )
    }
  })

  it('asks oEmbed about the canonical address only', () => {
    const video = parseVideoUrl('https://youtu.be/dQw4w9WgXcQ?si=x')
    assert.equal(
      oembedRequestUrl('https://www.youtube.com/oembed', video),
      'https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DdQw4w9WgXcQ&format=json',
    )
  })

  it('reads an oEmbed answer strictly and keeps plain text only', () => {
    const good = {
      type: 'video',
      version: '1.0',
      title: ' Cats\u202E  and\ndogs\u0007 ',
      author_name: 'Channel',
      width: '480',
      height: 270,
      thumbnail_url: 'https://i.ytimg.com/vi/x/hqdefault.jpg',
      html: '<script>alert(1)</script>',
    }
    assert.deepEqual(parseOembedAnswer(JSON.stringify(good), 'YouTube'), {
      title: 'Cats and dogs',
      authorName: 'Channel',
      width: 480,
      height: 270,
      thumbnailUrl: 'https://i.ytimg.com/vi/x/hqdefault.jpg',
    })
    const long = parseOembedAnswer(JSON.stringify({ ...good, title: 'é'.repeat(400) }), 'YouTube')
    assert.equal([...long.title].length, 255)
    for (const [answer, why] of [
      ['not json', /not JSON/],
      ['[1,2]', /not an object/],
      ['null', /not an object/],
      [JSON.stringify({ ...good, type: 'rich' }), /type/],
      [JSON.stringify({ ...good, version: 2 }), /version/],
      [JSON.stringify({ ...good, title: 42 }), /title/],
      [JSON.stringify({ ...good, title: 'x'.repeat(5000) }), /title/],
      [JSON.stringify({ ...good, author_name: ['a'] }), /author_name/],
      [JSON.stringify({ ...good, width: 0 }), /width/],
      [JSON.stringify({ ...good, height: 1e9 }), /height/],
      [JSON.stringify({ ...good, width: 1.5 }), /width/],
      [JSON.stringify({ ...good, thumbnail_url: undefined }), /thumbnail_url/],
      [JSON.stringify({ ...good, thumbnail_url: 'javascript:alert(1)' }), /thumbnail_url/],
      [
        JSON.stringify({ ...good, thumbnail_url: `https://x/${'a'.repeat(2001)}` }),
        /thumbnail_url/,
      ],
    ] as const) {
      assert.throws(
        () => parseOembedAnswer(answer, 'YouTube'),
        (error: unknown) =>
          error instanceof Error &&
          'status' in error &&
          error.status === 422 &&
          why.test(error.message),
        answer.slice(0, 80),
      )
    }
  })
})

describe('VIDEO_OEMBED_ENDPOINTS', () => {
  let dataDir: string
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-config-'))
  })
  after(() => rm(dataDir, { recursive: true, force: true }))

  it('defaults to the real endpoints and takes a JSON object over them', () => {
    assert.deepEqual(loadConfig({ DATA_DIR: dataDir }).videoOembedEndpoints, {
      youtube: 'https://www.youtube.com/oembed',
      vimeo: 'https://vimeo.com/api/oembed.json',
    })
    const config = loadConfig({
      DATA_DIR: dataDir,
      VIDEO_OEMBED_ENDPOINTS: '{"vimeo": "http://127.0.0.2:8080/oembed"}',
    })
    assert.deepEqual(config.videoOembedEndpoints, {
      youtube: 'https://www.youtube.com/oembed',
      vimeo: 'http://127.0.0.2:8080/oembed',
    })
  })

  it('refuses anything else at start-up', () => {
    for (const value of [
      'https://www.youtube.com/oembed',
      '["https://x"]',
      '{"flickr": "https://www.flickr.com/services/oembed"}',
      '{"youtube": "file:///etc/passwd"}',
      '{"youtube": 42}',
    ]) {
      assert.throws(
        () => loadConfig({ DATA_DIR: dataDir, VIDEO_OEMBED_ENDPOINTS: value }),
        (error: unknown) =>
          error instanceof ConfigError && /VIDEO_OEMBED_ENDPOINTS/.test(error.message),
        value,
      )
    }
  })
})
