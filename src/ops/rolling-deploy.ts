// A rolling deploy: one node at a time is drained, restarted on the new release and put back
// once its health check passes, so the others carry the traffic throughout. The schema must
// already suit both releases (expand/contract, docs/operations.md): run the migrations first.
import type { ServerState } from './haproxy-state.js'
import { type NodePool, NodePoolError } from './node-pool.js'

export interface RollingDeployStep {
  node: string
  address: string
  /** Requests still in flight when the drain's wait ended (the app's own drain finishes them). */
  leftInFlight: number
  ms: number
}

export async function rollingDeploy(
  pool: NodePool,
  restart: (node: ServerState) => Promise<void>,
  log: (line: string) => void = () => {},
): Promise<RollingDeployStep[]> {
  // Nodes in maintenance were taken out by an operator: they stay out.
  const nodes = (await pool.states()).filter((s) => !s.maintenance)
  if (nodes.filter((s) => s.up).length < 2)
    throw new NodePoolError(
      'a rolling deploy needs at least two nodes in rotation: one carries the traffic while the other restarts',
    )
  const steps: RollingDeployStep[] = []
  for (const node of nodes) {
    const started = Date.now()
    log(`${node.name} (${node.address}): draining`)
    const leftInFlight = await pool.drain(node.name)
    log(`${node.name}: restarting`)
    await restart(node)
    log(`${node.name}: waiting for its health check`)
    await pool.ready(node.name)
    steps.push({ node: node.name, address: node.address, leftInFlight, ms: Date.now() - started })
    log(`${node.name}: in rotation again after ${Date.now() - started} ms`)
  }
  return steps
}
