// `npm run deploy:rolling`: restarts every node in rotation, one at a time, with
// DEPLOY_RESTART_COMMAND (given NODE_NAME and NODE_ADDRESS). Run `npm run migrate` first.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { ConfigError, loadNodePoolConfig } from '../config.js'
import { openNodePool } from './open-node-pool.js'
import { rollingDeploy } from './rolling-deploy.js'

try {
  const config = loadNodePoolConfig()
  const command = config.restartCommand
  if (!command) throw new ConfigError('DEPLOY_RESTART_COMMAND is not set: say how a node restarts')
  const steps = await rollingDeploy(
    openNodePool(config),
    async (node) => {
      const child = spawn(command, {
        shell: true,
        stdio: 'inherit',
        env: { ...process.env, NODE_NAME: node.name, NODE_ADDRESS: node.address },
      })
      const [code] = await once(child, 'exit')
      if (code !== 0) throw new Error(`restarting ${node.name} failed (exit ${code}): stopped here`)
    },
    (line) => console.log(`deploy: ${line}`),
  )
  console.log(`deploy: ${steps.length} nodes restarted`)
} catch (error) {
  if (!(error instanceof Error)) throw error
  console.error(error instanceof ConfigError ? error.message : `${error.name}: ${error.message}`)
  process.exitCode = 1
}
