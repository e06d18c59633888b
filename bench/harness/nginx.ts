// nginx for the benchmarks, from the production template of a checkout: one worker, pinned to
// the server core, in front of one web process, with the baselines' locations and servers
// added beside the production ones.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { freePort, nodeNginxConf } from '../../test/helpers/topology.js'
import { pinned, waitFor } from './processes.js'

export interface BenchNginxOptions {
  /** The checkout whose nginx/nginx.conf.template is used. */
  root: string
  /** nginx's prefix: its logs, temporary files and caches. */
  dir: string
  appPort: number
  staticRoot: string
  filesRoot: string
  /** Extra locations in the site's server (the baselines). */
  locations: string
  /** Extra servers (the S3 stand-in). */
  servers: string
  name?: string
}

export async function startBenchNginx(options: BenchNginxOptions) {
  const port = await freePort()
  await mkdir(options.dir, { recursive: true })
  // nginx's workers run as another user: they write temporary and cached files here.
  await chmod(options.dir, 0o777)
  const template = await readFile(path.join(options.root, 'nginx/nginx.conf.template'), 'utf8')
  // Limits high enough that the load generator never meets them.
  const conf = nodeNginxConf(template, {
    prefix: options.dir,
    listenPort: port,
    statusPort: await freePort(),
    appPort: options.appPort,
    staticRoot: options.staticRoot,
    filesRoot: options.filesRoot,
    uploadMaxBytes: 20 * 2 ** 20,
    bodyTimeout: '30s',
    rate: '1000r/s',
  })
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace('    location / {\n', `${options.locations}\n    location / {\n`)
    .replace(/}\s*$/, `${options.servers}\n}\n`)
  const file = path.join(options.dir, 'nginx.conf')
  await writeFile(file, conf)
  const child = pinned('nginx', ['-p', options.dir, '-c', file, '-g', 'daemon off;'], {})
  const base = `http://127.0.0.1:${port}`
  await waitFor(`${base}/healthy/alive`, child, options.name ?? 'nginx')
  return { child, base, port }
}
