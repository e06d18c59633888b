// The group commit's rules, with plain functions for the two kinds of transaction: one action
// at rest takes its own path; what arrives during a commit goes in the next batch, answered in
// order; a failed batch is tried action by action, so one bad action fails alone.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GroupCommit } from '../../src/services/group-commit.js'

// Each write takes a few milliseconds, as a database's does, so that writes can pile up.
function recorder(options: { failTogether?: boolean; failAlone?: number } = {}) {
  const calls: string[] = []
  const commit = new GroupCommit<number, string>(
    async (n) => {
      calls.push(`alone ${n}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (n === options.failAlone) throw new Error(`no ${n}`)
      return `one ${n}`
    },
    async (ns) => {
      calls.push(`together ${ns.join(',')}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (options.failTogether) throw new Error('batch')
      return ns.map((n) => `many ${n}`)
    },
  )
  return { calls, commit }
}

describe('group commit', () => {
  it('commits an action alone at rest, and what arrives meanwhile together, in order', async () => {
    const { calls, commit } = recorder()
    const answers = await Promise.all([1, 2, 3, 4].map((n) => commit.submit(n)))
    assert.deepEqual(answers, ['one 1', 'many 2', 'many 3', 'many 4'])
    assert.deepEqual(calls, ['alone 1', 'together 2,3,4'])
    assert.equal(await commit.submit(5), 'one 5', 'at rest again')
  })

  it('tries a failed batch action by action: only the bad one fails', async () => {
    const { calls, commit } = recorder({ failTogether: true, failAlone: 3 })
    const answers = await Promise.allSettled([1, 2, 3, 4].map((n) => commit.submit(n)))
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)),
      ['one 1', 'one 2', 'no 3', 'one 4'],
    )
    assert.deepEqual(calls, ['alone 1', 'together 2,3,4', 'alone 2', 'alone 3', 'alone 4'])
  })
})
