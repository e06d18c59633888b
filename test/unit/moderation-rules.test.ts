// Roles include the ones below them; report and note rules.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ValidationError } from '../../src/services/errors.js'
import { checkedModeratorNote, checkedReport } from '../../src/services/moderation-rules.js'
import { assertRole, hasRole, isRole } from '../../src/services/roles.js'

describe('roles', () => {
  it('ranks member < moderator < admin', () => {
    assert.equal(hasRole({ role: 'admin' }, 'moderator'), true)
    assert.equal(hasRole({ role: 'moderator' }, 'moderator'), true)
    assert.equal(hasRole({ role: 'moderator' }, 'admin'), false)
    assert.equal(hasRole({ role: 'member' }, 'moderator'), false)
    assert.equal(hasRole(null, 'member'), false)
    assert.throws(() => assertRole({ role: 'member' }, 'moderator'), { status: 403 })
    assert.doesNotThrow(() => assertRole({ role: 'admin' }, 'admin'))
    assert.equal(isRole('moderator'), true)
    assert.equal(isRole('root'), false)
  })
})

describe('report and note rules', () => {
  it('takes a reason from the list and a short, clean note', () => {
    assert.deepEqual(checkedReport({ reason: 'spam', note: '  buy now  ' }), {
      reason: 'spam',
      note: 'buy now',
    })
    assert.throws(() => checkedReport({ reason: 'because', note: '' }), ValidationError)
    assert.throws(() => checkedReport({ reason: 'spam', note: 'x'.repeat(1001) }), ValidationError)
    assert.throws(() => checkedReport({ reason: 'spam', note: 'a\u0000b' }), ValidationError)
  })

  it('requires a note only where asked', () => {
    assert.equal(checkedModeratorNote(' ', { required: false }), '')
    assert.throws(() => checkedModeratorNote(' ', { required: true }), ValidationError)
    assert.equal(checkedModeratorNote(' DMCA ', { required: true }), 'DMCA')
  })
})
