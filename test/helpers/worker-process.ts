// `npm run worker` as a child process, for tests that kill it or start it late.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { projectRoot } from '../../src/paths.js'
import { entryPoint } from './entry-point.js'

export class WorkerProcess {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts a worker on the site's environment (its database, Redis and prefix). */
  static start(env: Record<string, string>): WorkerProcess {
    const child = spawn(process.execPath, [entryPoint('worker')], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? '', ...env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    return new WorkerProcess(child)
  }

  /** SIGKILL: no graceful close, jobs in hand are left locked until their lock expires. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGKILL')
    await once(this.child, 'close')
  }

  /** SIGTERM: jobs in hand finish, then the process exits. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    await once(this.child, 'close')
  }
}
