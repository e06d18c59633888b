// The node pool the operator's commands work on, from the environment's settings.
import type { NodePoolConfig } from '../config.js'
import { HaproxyRuntime, parseRuntimeAddress } from './haproxy-runtime.js'
import { NodePool } from './node-pool.js'

/**
 * How an added (or re-readied) node is checked: it enters rotation on the first fresh check
 * that passes after it was forced down (the operator's command is the second opinion that
 * haproxy.cfg's `rise 2` stands for), and leaves after two failures, as configured nodes do.
 */
export const CHECK_RISE = 1
export const CHECK_FALL = 2

export function openNodePool(config: NodePoolConfig): NodePool {
  return new NodePool(new HaproxyRuntime(parseRuntimeAddress(config.adminSocket)), {
    backend: config.backend,
    checkIntervalMs: config.checkIntervalMs,
    rise: CHECK_RISE,
    fall: CHECK_FALL,
    drainTimeoutMs: config.drainTimeoutMs,
    readyTimeoutMs: config.readyTimeoutMs,
  })
}
