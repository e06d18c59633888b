// `npm run nodes -- list | add HOST:PORT [NAME] | drain NAME | remove NAME | ready NAME`:
// changes HAProxy's node pool through its runtime API (HAPROXY_ADMIN_SOCKET). Thin: the rules
// are in node-pool.ts.
import { ConfigError, loadNodePoolConfig } from '../config.js'
import { HaproxyRuntimeError } from './haproxy-runtime.js'
import { NodePoolError } from './node-pool.js'
import { openNodePool } from './open-node-pool.js'

const usage =
  'usage: npm run nodes -- list | add HOST:PORT [NAME] | drain NAME | remove NAME | ready NAME'

try {
  const pool = openNodePool(loadNodePoolConfig())
  const [action, target, name] = process.argv.slice(2)
  if (action === 'list') {
    const rows = (await pool.list()).map((n) => [
      n.name,
      n.address,
      n.status,
      String(n.sessions),
      String(n.served),
    ])
    for (const row of [['NAME', 'ADDRESS', 'STATUS', 'IN FLIGHT', 'SERVED'], ...rows])
      console.log(
        row
          .map((cell) => cell.padEnd(22))
          .join('')
          .trimEnd(),
      )
  } else if (action === 'add' && target) {
    const started = Date.now()
    const added = await pool.add(target, name)
    console.log(
      `${added} (${target}): health check passed, in rotation (${Date.now() - started} ms)`,
    )
  } else if (action === 'drain' && target) {
    const left = await pool.drain(target)
    console.log(`${target}: drained, in maintenance`)
    if (left > 0) {
      console.error(`${target}: ${left} requests were still in flight when the wait ended`)
      process.exitCode = 1
    }
  } else if (action === 'remove' && target) {
    await pool.remove(target)
    console.log(`${target}: removed`)
  } else if (action === 'ready' && target) {
    await pool.ready(target)
    console.log(`${target}: health check passed, in rotation`)
  } else {
    console.error(usage)
    process.exitCode = 2
  }
} catch (error) {
  // An operator's mistake or HAProxy's refusal is one line; anything else is a bug: a stack.
  if (
    !(
      error instanceof ConfigError ||
      error instanceof NodePoolError ||
      error instanceof HaproxyRuntimeError
    )
  )
    throw error
  console.error(error.message)
  process.exitCode = 1
}
