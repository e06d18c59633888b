import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { escapeHtml, linkify } from '../../src/plugins/linkify.js'
import { pickRendition } from '../../src/routes/post-presentation.js'
import { idFromShareKey, shareKey } from '../../src/services/share-keys.js'
import { assertSafeKey } from '../../src/storage/file-store.js'

describe('share keys', () => {
  it('are upper-case base 36 and read back in any case', () => {
    assert.equal(shareKey(1), '1')
    assert.equal(shareKey(46655), 'ZZZ')
    assert.equal(shareKey(1_000_000), 'LFLS')
    assert.equal(idFromShareKey('LFLS'), 1_000_000)
    assert.equal(idFromShareKey('lfls'), 1_000_000)
  })
  it('refuse anything that cannot be a key', () => {
    for (const key of ['', '0', '-1', '1.5', 'ab!', '../1', 'Z'.repeat(11), ' 1']) {
      assert.equal(idFromShareKey(key), undefined, key)
    }
  })
})

describe('linkify', () => {
  it('escapes everything and links only http(s) URLs', () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    )
    assert.equal(
      linkify('see https://example.com/a?b=1&c=2, and <b>this</b>'),
      'see <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener ugc">https://example.com/a?b=1&amp;c=2</a>, and &lt;b&gt;this&lt;/b&gt;',
    )
    assert.equal(
      linkify('javascript:alert(1) ftp://x.example'),
      'javascript:alert(1) ftp://x.example',
    )
    assert.equal(
      linkify('https://x.example/"onmouseover="alert(1)'),
      '<a href="https://x.example/" rel="nofollow noopener ugc">https://x.example/</a>&quot;onmouseover=&quot;alert(1)',
    )
    assert.equal(linkify('one\ntwo'), 'one<br>\ntwo')
  })

  it('links @mentions to profiles, but not addresses or names inside links', () => {
    assert.equal(
      linkify('thanks @sam-b, and @Alice_2.'),
      'thanks <a href="/user/sam-b" class="mention">@sam-b</a>, and <a href="/user/Alice_2" class="mention">@Alice_2</a>.',
    )
    assert.equal(linkify('mail bob@example.com'), 'mail bob@example.com')
    assert.equal(
      linkify('https://example.com/@sam'),
      '<a href="https://example.com/@sam" rel="nofollow noopener ugc">https://example.com/@sam</a>',
    )
    assert.equal(linkify('@<b>x</b>'), '@&lt;b&gt;x&lt;/b&gt;', 'only names are linked')
    assert.equal(
      linkify('#cats by @sam'),
      '<a href="/tag/cats" class="tag">#cats</a> by <a href="/user/sam" class="mention">@sam</a>',
    )
  })
})

describe('renditions', () => {
  const renditions = [
    { name: 'original', key: 'i/a/original.jpg', width: 800, height: 600, size: 1 },
    { name: 'w550', key: 'i/a/w550.jpg', width: 550, height: 412, size: 1 },
    { name: 'small', key: 'i/a/small.jpg', width: 267, height: 200, size: 1 },
    { name: 'thumb', key: 'i/a/thumb.jpg', width: 100, height: 100, size: 1 },
  ]
  const image = { format: 'jpeg' as const, renditions }
  it('falls back to the next larger rendition, never to a smaller one', () => {
    assert.equal(pickRendition(image, '')?.name, 'original')
    assert.equal(pickRendition(image, '1100')?.name, 'original')
    assert.equal(pickRendition(image, '550')?.name, 'w550')
    assert.equal(pickRendition(image, 'thumb')?.name, 'thumb')
    assert.equal(pickRendition(image, 'huge'), undefined)
    assert.equal(pickRendition(image, '../etc'), undefined)
  })
  it('serves a width in one format only where that file exists', () => {
    const modern = {
      format: 'jpeg' as const,
      renditions: [
        ...renditions,
        {
          name: 'w550',
          key: 'i/a/w550.avif',
          width: 550,
          height: 412,
          size: 1,
          format: 'avif' as const,
        },
        {
          name: 'full',
          key: 'i/a/full.webp',
          width: 800,
          height: 600,
          size: 1,
          format: 'webp' as const,
        },
      ],
    }
    assert.equal(pickRendition(modern, '550')?.key, 'i/a/w550.jpg')
    assert.equal(pickRendition(modern, '550.jpg')?.key, 'i/a/w550.jpg')
    assert.equal(pickRendition(modern, '550.avif')?.key, 'i/a/w550.avif')
    assert.equal(pickRendition(modern, 'full.webp')?.key, 'i/a/full.webp')
    assert.equal(pickRendition(modern, 'full.jpg')?.key, 'i/a/original.jpg')
    assert.equal(pickRendition(modern, '550.webp'), undefined)
    assert.equal(pickRendition(modern, '1100.avif'), undefined)
    assert.equal(pickRendition(modern, '999.avif'), undefined)
    assert.equal(pickRendition(modern, '550.exe'), undefined)
    assert.equal(pickRendition(modern, 'small.avif'), undefined)
  })
})

describe('storage keys', () => {
  it('accepts the keys the app makes and nothing else', () => {
    assertSafeKey(`i/${'a'.repeat(40)}/original.jpg`)
    assertSafeKey(`a/12/${'b'.repeat(40)}.jpg`)
    for (const key of [
      '../x',
      'i/../../etc/passwd',
      '/abs',
      'i//x',
      'I/Upper.jpg',
      'i/x y.jpg',
      '',
      'i/x\u0000.jpg',
    ]) {
      assert.throws(() => assertSafeKey(key), /unsafe storage key/, key)
    }
  })
})
