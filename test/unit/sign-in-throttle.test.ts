import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { pauseAfter } from '../../src/services/sign-in-throttle.js'

describe('the sign-in brake', () => {
  const rules = loadConfig({}).signInThrottle

  it('ships five free tries, doubling pauses up to a minute, and a lock at twenty', () => {
    assert.deepEqual(
      { free: rules.freeFailures, lockAfter: rules.lockAfter, lockSeconds: rules.lockSeconds },
      { free: 5, lockAfter: 20, lockSeconds: 900 },
    )
    const pauses = Array.from({ length: 12 }, (_, i) => pauseAfter(i + 1, rules))
    assert.deepEqual(pauses, [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60])
  })

  it('keeps the lock after the free tries whatever the settings say', () => {
    const odd = loadConfig({ SIGN_IN_FREE_FAILURES: '10', SIGN_IN_LOCK_AFTER: '3' }).signInThrottle
    assert.equal(odd.lockAfter, 11)
  })
})
