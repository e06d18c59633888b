// The compiled entry points (dist/src/*.js): what `npm start`, `npm run worker` and the image
// run, so the tests that start them as child processes test what ships. dist/ is built first
// when it is missing or older than src/ (scripts/build-if-stale.mjs; scripts/run-tests.mjs
// has already done it once for a whole run, so here it is only a check).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { projectRoot } from '../../src/paths.js'

let built = false

/** dist/src/<name>.js for an entry point named as under src/ ('server', 'ops/nodes'). */
export function entryPoint(name: string): string {
  if (!built) {
    const result = spawnSync(
      process.execPath,
      [path.join(projectRoot, 'scripts/build-if-stale.mjs')],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    if (result.status !== 0) throw new Error('npm run build failed: dist/ cannot run')
    built = true
  }
  return path.join(projectRoot, 'dist', 'src', `${name.replace(/\.ts$/, '')}.js`)
}
