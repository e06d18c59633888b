// Who counts as most active among the newest posts' authors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mostActive } from '../../src/services/suggestions.js'

describe('most active posters', () => {
  it('orders by posts among the newest, the newest poster first among equals', () => {
    // Newest post first: 7 posted once, 3 three times, 5 twice, 9 once.
    assert.deepEqual(mostActive([7, 3, 5, 3, 9, 5, 3]), [3, 5, 7, 9])
  })
  it('is empty when nothing was posted', () => {
    assert.deepEqual(mostActive([]), [])
  })
})
