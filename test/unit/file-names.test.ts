// The name a post's file keeps: whatever the sender's part or URL said, made safe once.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cleanFileName, fileNameOfUrl } from '../../src/services/file-names.js'

describe('file names', () => {
  it('keeps an ordinary name as it was', () => {
    assert.equal(cleanFileName('Cat on a mat.JPG'), 'Cat on a mat.JPG')
    assert.equal(cleanFileName('été – 夏.png'), 'été – 夏.png')
  })

  it('keeps only the last segment of a path, whichever slash it uses', () => {
    assert.equal(cleanFileName('../../etc/passwd'), 'passwd')
    assert.equal(cleanFileName('C:\\fakepath\\holiday.jpg'), 'holiday.jpg')
    assert.equal(cleanFileName('a/b/'), '')
    assert.equal(cleanFileName('..'), '')
    assert.equal(cleanFileName('.'), '')
  })

  it('removes control characters and those that reorder or hide text', () => {
    assert.equal(cleanFileName('a\u0000b.jpg'), 'ab.jpg')
    assert.equal(cleanFileName('line\r\nbreak\t.gif'), 'linebreak.gif')
    assert.equal(cleanFileName('\u0085c1\u009f.png'), 'c1.png')
    // "photo\u202Egpj.exe" shows as "photoexe.jpg".
    assert.equal(cleanFileName('photo\u202Egpj.exe'), 'photogpj.exe')
    assert.equal(cleanFileName('\u2066x\u2069\u200F\uFEFF.jpg'), 'x.jpg')
    assert.equal(cleanFileName('half\uD800.jpg'), 'half\uFFFD.jpg')
  })

  it('trims, and leaves nothing when nothing usable was sent', () => {
    assert.equal(cleanFileName('  spaced.jpg  '), 'spaced.jpg')
    assert.equal(cleanFileName(''), '')
    assert.equal(cleanFileName(undefined), '')
    assert.equal(cleanFileName(' \u0000\u202E '), '')
  })

  it('keeps at most 255 characters, never half of one', () => {
    assert.equal(cleanFileName(`${'a'.repeat(300)}.jpg`), 'a'.repeat(255))
    const emoji = cleanFileName('😀'.repeat(300))
    assert.equal([...emoji].length, 255)
    assert.equal(emoji, '😀'.repeat(255))
  })

  it('keeps markup as text: pages escape it like any title', () => {
    assert.equal(cleanFileName('<script>.jpg'), '<script>.jpg')
    // The closing tag's slash is a path separator like any other.
    assert.equal(cleanFileName('<script>alert(1)</script>.jpg'), 'script>.jpg')
    assert.equal(
      cleanFileName('<img src=x onerror=alert(1)>.png'),
      '<img src=x onerror=alert(1)>.png',
    )
  })

  it('names a fetched file after the last segment of its URL, decoded', () => {
    assert.equal(
      fileNameOfUrl('https://example.com/pics/My%20Cat.jpg?size=large#top'),
      'My Cat.jpg',
    )
    assert.equal(fileNameOfUrl('https://example.com/a/..%2F..%2Fetc%2Fpasswd'), 'passwd')
    assert.equal(fileNameOfUrl('https://example.com/a%00b.jpg'), 'ab.jpg')
    assert.equal(fileNameOfUrl('https://example.com/bad%E0%A4%A.jpg'), 'bad%E0%A4%A.jpg')
    assert.equal(fileNameOfUrl('https://example.com/'), '')
    assert.equal(fileNameOfUrl('not a url'), '')
  })
})
