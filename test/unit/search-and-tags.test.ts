import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSearch } from '../../src/services/search-query.js'
import { extractTags, tagName } from '../../src/services/tag-rules.js'

describe('parseSearch', () => {
  it('keeps plain words and reads the filters', () => {
    assert.deepEqual(parseSearch('Orange CAT from:alice in:Cats'), {
      terms: ['orange', 'cat'],
      from: 'alice',
      in: 'Cats',
    })
  })
  it('drops everything that could be search syntax', () => {
    assert.deepEqual(parseSearch('"quoted" +must -not *wild (group) title:x NEAR/2').terms, [
      'quoted',
      'must',
      'not',
      'wild',
      'group',
      'title',
      'x',
      'near',
      '2',
    ])
    assert.deepEqual(parseSearch(`'; drop table user; --`).terms, ['drop', 'table', 'user'])
    assert.deepEqual(parseSearch('"*+-').terms, [])
  })
  it('bounds the work: input length, number and length of terms', () => {
    assert.ok(parseSearch('word '.repeat(5000)).terms.length <= 10)
    assert.equal(parseSearch('a'.repeat(100)).terms[0]?.length, 40)
    assert.deepEqual(parseSearch(`${'x '.repeat(300)}late`).terms.includes('late'), false)
  })
  it('keeps letters of any script', () => {
    assert.deepEqual(parseSearch('猫 Ünïcödé').terms, ['猫', 'ünïcödé'])
  })
})

describe('tags', () => {
  it('are #words of letters and digits, lower-cased, up to 20 long', () => {
    assert.deepEqual(
      extractTags(
        '#Beach day, #beach again #café #2026 (#x) a#b &#39; https://x.example/#frag #toolongtoolongtoolongtoolong',
      ),
      ['beach', 'café', '2026', 'x'],
    )
    assert.equal(tagName('BeAcH'), 'beach')
    assert.equal(tagName('no-dash'), undefined)
    assert.equal(tagName('x'.repeat(21)), undefined)
  })
})
