// One production node's nginx (nginx/nginx.conf.template) in front of the app, so that the
// pages are judged as people get them: compressed, with static files' cache headers.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { staticDir } from '../../src/paths.js'
import { eventually } from '../helpers/jobs.js'
import { freePort, nodeNginxConf } from '../helpers/topology.js'

export interface FrontNginx {
  url: string
  stop(): Promise<void>
}

export async function startNginx(options: {
  /** nginx's own folder: its configuration, logs and temporary files. */
  prefix: string
  /** Where the app listens. */
  appPort: number
  /** The port nginx listens on (the site's BASE_URL names it). */
  port: number
  filesRoot: string
}): Promise<FrontNginx> {
  const template = await readFile(
    path.resolve(import.meta.dirname, '../../nginx/nginx.conf.template'),
    'utf8',
  )
  // nginx's workers run as another user: they must be able to write their temporary files.
  await mkdir(options.prefix, { recursive: true, mode: 0o777 })
  await chmod(options.prefix, 0o777)
  const conf = path.join(options.prefix, 'nginx.conf')
  await writeFile(
    conf,
    nodeNginxConf(template, {
      prefix: options.prefix,
      listenPort: options.port,
      statusPort: await freePort(),
      appPort: options.appPort,
      staticRoot: staticDir,
      filesRoot: options.filesRoot,
      uploadMaxBytes: 64 * 1024 * 1024,
      bodyTimeout: '60s',
      rate: '50r/s',
    }),
  )
  const nginx: ChildProcess = spawn(
    'nginx',
    ['-p', options.prefix, '-c', conf, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const url = `http://127.0.0.1:${options.port}`
  await eventually(
    () =>
      fetch(`${url}/healthy/is-healthy`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
    'nginx in front of the app',
  )
  return {
    url,
    async stop() {
      if (nginx.exitCode !== null || nginx.signalCode !== null) return
      const exited = once(nginx, 'exit').catch(() => {})
      // Its fast-shutdown signal: the master stops its workers and cache processes too.
      nginx.kill('SIGTERM')
      await exited
    },
  }
}
