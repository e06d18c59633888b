// The page cache's bookkeeping: expiry, tags, and the writes that drop pages.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { tagsWrittenBy } from '../../src/plugins/page-cache.js'
import { PageCache, postTag } from '../../src/services/page-cache.js'

describe('page cache', () => {
  const page = (tags: string[]) => ({ html: Buffer.from('<p>x</p>'), etag: 'W/"x"', tags })

  it('keeps a page for its lifetime only', () => {
    let now = 1000
    const cache = new PageCache(5000, () => now)
    cache.set('a', page([]))
    now += 4999
    assert.equal(cache.get('a')?.html.toString(), '<p>x</p>')
    now += 1
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.size, 0)
  })

  it('drops the pages showing a post that changed, and only those', () => {
    const cache = new PageCache(5000)
    cache.set('/p/1', page([postTag(1)]))
    cache.set('/incoming', page([postTag(1), postTag(2)]))
    cache.set('/user/bob', page([postTag(3)]))
    cache.invalidate([postTag(1)])
    assert.equal(cache.get('/p/1'), undefined)
    assert.equal(cache.get('/incoming'), undefined)
    assert.ok(cache.get('/user/bob'))
    cache.invalidate(['*'])
    assert.equal(cache.size, 0)
  })

  it('is bounded by bytes: the oldest pages go first, and a page above the bound is not kept', () => {
    const sized = (bytes: number) => ({
      html: Buffer.alloc(bytes, 'x'),
      etag: 'e',
      tags: [postTag(1)],
    })
    // Each page weighs 99 bytes + 2 × (key 1 + etag 1) = 103; three fit in 320.
    const cache = new PageCache(5000, Date.now, 320)
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, sized(99))
    assert.equal(cache.get('a'), undefined)
    assert.deepEqual(
      ['b', 'c', 'd'].map((key) => cache.get(key)?.html.length),
      [99, 99, 99],
    )
    assert.equal(cache.bytes, 309)
    cache.set('e', sized(400))
    assert.equal(cache.get('e'), undefined, 'a page heavier than the bound is not stored')
    assert.equal(cache.bytes, 309)
    cache.invalidate([postTag(1)])
    assert.equal(cache.bytes, 0)
  })

  it('stores nothing when its lifetime is zero', () => {
    const cache = new PageCache(0)
    cache.set('a', page([]))
    assert.equal(cache.get('a'), undefined)
  })

  it('tells which writes touch which pages', () => {
    assert.deepEqual(tagsWrittenBy('/p/1A/like'), [postTag(46)])
    assert.deepEqual(tagsWrittenBy('/p/1A/comment/7/delete'), [postTag(46)])
    // A save, an upload or a deletion can change any stream: everything goes.
    assert.deepEqual(tagsWrittenBy('/p/1A/save'), ['*'])
    assert.deepEqual(tagsWrittenBy('/p/1A/delete'), ['*'])
    assert.deepEqual(tagsWrittenBy('/upload?_csrf=x'), ['*'])
    assert.equal(tagsWrittenBy('/sign-in'), undefined)
  })
})
