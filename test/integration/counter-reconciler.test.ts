// The counter reconciler walks every post in id order, a bounded stretch per run, going on where
// the last run stopped and starting again after the last post: drift anywhere heals, and no run
// reads more than its stretch.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readCursor } from '../../src/repositories/maintenance-cursors.js'
import { reconcileCounters } from '../../src/services/counter-reconciler.js'
import { idFromShareKey } from '../../src/services/share-keys.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import { post, postJson } from '../helpers/social.js'

describe(`counter reconciler (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  let site: TestSite
  let ids: number[]
  before(async () => {
    site = await createTestSite()
    const alice = await signUp(site.app, 'alice')
    const bob = await signUp(site.app, 'bob')
    const carol = await signUp(site.app, 'carol')
    const keys: string[] = []
    for (let i = 0; i < 5; i++) keys.push(await post(alice, `post ${i}`))
    // Likes of the first post and of bob's copy of it; alice's like of the copy is not hers to
    // be credited with.
    await postJson(bob, `/p/${keys[0]}/like`)
    const saved = await postJson(bob, `/p/${keys[0]}/save`, {})
    await postJson(carol, `/p/${saved.body.key}/like`)
    await postJson(alice, `/p/${saved.body.key}/like`)
    await postJson(carol, `/p/${keys[3]}/like`)
    ids = [...keys, saved.body.key as string].map((k) => idFromShareKey(k) as number)
  })
  after(async () => {
    await site?.close()
  })

  const counters = async () =>
    (
      await site.app.db
        .selectFrom('sharedfile')
        .select(['id', 'like_count', 'save_count'])
        .where('id', 'in', ids)
        .orderBy('id')
        .execute()
    ).map((r) => [r.like_count, r.save_count])

  it('mends a bounded stretch per run, goes on where it stopped, and starts again at the end', async () => {
    const right = await counters()
    assert.deepEqual(right, [
      [2, 1],
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [2, 0],
    ])
    await site.app.db.updateTable('sharedfile').set({ like_count: 9, save_count: 9 }).execute()
    const db = site.app.db
    const first = await reconcileCounters(db, { pageSize: 2, perRun: 3 })
    assert.deepEqual(first, { likes: 3, saves: 3, checked: 3 })
    assert.equal(await readCursor(db, 'post-counters'), ids[2])
    // The stretch not reached yet is still wrong: a run reads only its own stretch.
    assert.deepEqual((await counters()).slice(3), [
      [9, 9],
      [9, 9],
      [9, 9],
    ])
    const second = await reconcileCounters(db, { pageSize: 2, perRun: 3 })
    assert.deepEqual(second, { likes: 3, saves: 3, checked: 3 })
    assert.deepEqual(await counters(), right)
    // Past the last post, the walk starts again from the first.
    await db
      .updateTable('sharedfile')
      .set({ like_count: 7 })
      .where('id', '=', ids[0] as number)
      .execute()
    const third = await reconcileCounters(db, { pageSize: 2, perRun: 3 })
    assert.deepEqual(third, { likes: 1, saves: 0, checked: 3 })
    assert.deepEqual(await counters(), right)
    assert.equal(await readCursor(db, 'post-counters'), ids[2])
  })
})
