// docker-compose.yml is validated with Debian's docker-compose (no engine runs here), and the
// nginx template it renders must get a value for every placeholder.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, it } from 'node:test'
import { projectRoot } from '../../src/paths.js'
import { inCI } from '../helpers/services.js'

const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' })
const skip = compose.error ? 'docker-compose is not installed' : false
if (skip && inCI) throw new Error('docker-compose is not installed, and CI must run this suite')
if (skip) console.log(`# NOTICE: skipping the compose suite: ${skip}`)

describe('docker-compose.yml', { skip }, () => {
  it('is valid', () => {
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: projectRoot,
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, result.stderr)
  })

  it('renders every placeholder of the nginx template and runs the topology the issue asks for', async () => {
    const template = await readFile(path.join(projectRoot, 'nginx/nginx.conf.template'), 'utf8')
    const placeholders = new Set(
      [...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1] as string),
    )
    const config = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: projectRoot,
      encoding: 'utf8',
    }).stdout
    for (const name of placeholders) {
      assert.ok(
        config.includes(`$$${name}`) || config.includes(`$${name}`),
        `envsubst is told about ${name}`,
      )
      const settings = config.match(new RegExp(`^ +${name}: `, 'gm')) ?? []
      assert.equal(settings.length, 1, `the nginx service sets ${name}`)
    }
    for (const service of [
      'mysql',
      'redis',
      'minio',
      'minio-bucket',
      'migrate',
      'web',
      'worker',
      'nginx',
      'haproxy',
      'prometheus',
    ]) {
      assert.match(config, new RegExp(`^  ${service}:$`, 'm'), service)
    }
    // Nodes are found in DNS (`--scale web=N --scale nginx=N`), two unless told otherwise; the
    // runtime API is published on the host's loopback only.
    assert.equal([...config.matchAll(/^ +replicas: 2$/gm)].length, 2, 'two web and two nginx')
    assert.match(config, /NODE_DNS_NAME: nginx:80/)
    assert.match(config, /- 127\.0\.0\.1:9999:9999/)
    // Prometheus reads the shipped configuration and alerts; the worker serves its metrics.
    assert.match(config, /ops\/prometheus\.yml:\/etc\/prometheus\/prometheus\.yml:ro/)
    assert.match(config, /ops\/alerts\.yml:\/etc\/prometheus\/alerts\.yml:ro/)
    assert.match(config, /WORKER_METRICS_PORT: '9300'/)
    assert.match(config, /- 127\.0\.0\.1:9090:9090/)
    assert.match(config, /noeviction/)
    assert.match(config, /appendonly/)
    // A read replica by GTID, only with its profile; the primary logs GTIDs either way.
    const withReplica = spawnSync(
      'docker-compose',
      ['-f', 'docker-compose.yml', '--profile', 'replica', 'config'],
      { cwd: projectRoot, encoding: 'utf8' },
    ).stdout
    const replica = withReplica.slice(withReplica.indexOf('\n  mysql-replica:\n'))
    assert.match(replica, /profiles:\n +- replica\n/, 'started only with its profile')
    assert.match(replica, /--read-only=ON/)
    assert.match(replica, /replica-init\.sql:\/docker-entrypoint-initdb\.d\//)
    assert.equal([...withReplica.matchAll(/--gtid-mode=ON/g)].length, 2, 'GTIDs on both')
    const init = await readFile(path.join(projectRoot, 'ops/mysql/replica-init.sql'), 'utf8')
    assert.match(init, /SOURCE_HOST = 'mysql'/)
    assert.match(init, /SOURCE_AUTO_POSITION = 1/)
    const dockerfile = await readFile(path.join(projectRoot, 'Dockerfile'), 'utf8')
    assert.match(dockerfile, /^USER node$/m, 'the image runs as a non-root user')
    assert.equal([...dockerfile.matchAll(/^FROM /gm)].length, 2, 'multi-stage')
  })
})
