// The node pool the operator's commands work on, from the environment's settings.
import type { NodePoolConfig } from '../config.js'
import { HaproxyRuntime, parseRuntimeAddress } from './haproxy-runtime.js'
import { NodePool } from './node-pool.js'

/** The rise and fall of haproxy.cfg's default-server: an added node is checked the same way. */
export const CHECK_RISE = 2
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
