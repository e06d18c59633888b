// The wait for a server's "listening" line gives up with what the process printed.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { it } from 'node:test'
import { listeningAddress } from '../helpers/child-output.js'

it('gives up on a start that hangs, with the tail of its log', async () => {
  // A shell, not node: it prints at once however busy the machine is, then hangs.
  const child = spawn(
    'sh',
    ['-c', 'echo starting; echo stuck on the database >&2; exec sleep 60'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  try {
    await assert.rejects(
      listeningAddress(child, 3000),
      /within 3000 ms[\s\S]*stuck on the database/,
    )
  } finally {
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
})

it('answers with the address a server says it listens on', async () => {
  const child = spawn(
    process.execPath,
    ['-e', "console.log('Server listening at http://127.0.0.1:4321'); setInterval(() => {}, 1000)"],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  try {
    assert.equal(await listeningAddress(child, 60_000), 'http://127.0.0.1:4321')
  } finally {
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
})
