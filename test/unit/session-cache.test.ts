// The node's copies of sessions: kept while fresh, dropped by any change to the session or its
// user (here and, through `connect`, on every node), never stored from a read that a drop
// overtook, and not kept at all while the node cannot hear the others.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dbNow } from '../../src/db/dialect.js'
import { type CachedSession, SessionCache } from '../../src/services/session-cache.js'

function row(userId: number | null, expiresInSeconds = 3600): CachedSession {
  return {
    session: { userId, data: '{}', expiresAt: dbNow(expiresInSeconds) },
    user: userId === null ? undefined : { id: userId },
  }
}

/** A cache on a node that hears the others, as one subscribed to the channel. */
function hearingCache(ttlMs = 10_000, maxEntries?: number) {
  const cache = new SessionCache(ttlMs, maxEntries === undefined ? {} : { maxEntries })
  cache.setHearing(true)
  return cache
}

function filled(ttlMs = 10_000) {
  const cache = hearingCache(ttlMs)
  const token = cache.readToken()
  cache.store('a', row(1), token)
  cache.store('b', row(1), token)
  cache.store('c', row(2), token)
  cache.store('anon', row(null), token)
  return cache
}

describe('session cache', () => {
  it('hands out what it stored while fresh', () => {
    const cache = filled()
    assert.equal(cache.get('a')?.user?.id, 1)
    assert.equal(cache.get('anon')?.session.userId, null)
    assert.equal(cache.get('nope'), undefined)
  })

  it('drops one session, or every session of a user, and tells the other nodes', async () => {
    const cache = filled()
    const told: string[][] = []
    cache.connect(async (tags) => told.push([...tags]))
    await cache.sessionChanged('c')
    assert.equal(cache.get('c'), undefined)
    assert.ok(cache.get('a'))
    await cache.userChanged(1)
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.get('b'), undefined)
    assert.ok(cache.get('anon'), 'sessions of nobody are left alone')
    assert.deepEqual(told, [['session:c'], ['user:1']])
  })

  it('answers a change only once the other nodes were told', async () => {
    const cache = filled()
    let release = () => {}
    cache.connect(() => new Promise<void>((resolve) => (release = resolve)))
    let answered = false
    const change = cache.userChanged(2).then(() => {
      answered = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(answered, false)
    assert.equal(cache.get('c'), undefined, 'dropped here at once')
    release()
    await change
    assert.equal(answered, true)
  })

  it('drops what other nodes name; an unreadable message (*) drops everything', () => {
    const cache = filled()
    cache.heard(['session:a', 'user:2'])
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.get('c'), undefined)
    assert.ok(cache.get('b'))
    cache.heard(['*'])
    assert.equal(cache.get('b'), undefined)
    assert.equal(cache.get('anon'), undefined)
  })

  it('does not store a read that a change overtook', () => {
    const cache = hearingCache()
    const token = cache.readToken()
    cache.heard(['user:7'])
    cache.store('x', row(1), token)
    assert.equal(cache.get('x'), undefined)
    cache.store('x', row(1), cache.readToken())
    assert.ok(cache.get('x'))
  })

  it('keeps nothing past its age, nor past the session’s own expiry', async () => {
    const cache = hearingCache(30)
    cache.store('young', row(1), cache.readToken())
    cache.store('expired', row(1, -1), cache.readToken())
    assert.equal(cache.get('expired'), undefined)
    assert.ok(cache.get('young'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(cache.get('young'), undefined)
  })

  it('keeps nothing while the node cannot hear, and forgets what it had when it stops', () => {
    const deaf = new SessionCache(10_000)
    deaf.store('a', row(1), deaf.readToken())
    assert.equal(deaf.get('a'), undefined)
    const cache = filled()
    cache.setHearing(false)
    cache.setHearing(true)
    assert.equal(cache.get('a'), undefined, 'a copy kept while deaf may be stale')
    const off = hearingCache(0)
    off.store('a', row(1), off.readToken())
    assert.equal(off.get('a'), undefined)
  })

  it('holds at most its bound, the oldest going first', () => {
    const cache = hearingCache(10_000, 2)
    for (const id of ['1', '2', '3']) cache.store(id, row(Number(id)), cache.readToken())
    assert.equal(cache.get('1'), undefined)
    assert.ok(cache.get('2'))
    assert.ok(cache.get('3'))
  })
})
