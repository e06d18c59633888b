#!/usr/bin/env node
// Compiles src/ and migrations/ to dist/ (`npm run build`) unless dist/ is newer than every
// file it is built from. The tests that start the real entry points as child processes run the
// compiled dist/ (what `npm start` and the image run), so scripts/run-tests.mjs calls this once
// before the suite, and test/helpers/entry-point.ts calls it again for a test file run alone
// (it costs a walk of the source folders when nothing changed).
//
// It is also the package's `prepare` script, so `npm install` and `npm ci` leave a fresh dist/
// behind, and what `npm start` (and the other entry-point scripts) run before `node dist/...`:
// with dist/ fresh, that needs no dev dependency (TypeScript) at all.
//
// dist/.built is touched after a successful build: tsc's own .tsbuildinfo is not rewritten when
// nothing changed, so it cannot say when the last build happened.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const stamp = path.join(root, 'dist', '.built')
const inputs = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json']
// The dependencies (TypeScript's version among them) count by content, not by time: npm
// install and npm prune rewrite package-lock.json unchanged, and that must not make dist/
// stale where TypeScript may no longer be installed. dist/.built holds the hash it was built with.
const lockfile = path.join(root, 'package-lock.json')
const lockHash = () =>
  existsSync(lockfile) ? createHash('sha256').update(readFileSync(lockfile)).digest('hex') : ''

function newestInput() {
  let newest = 0
  for (const input of inputs) {
    const full = path.join(root, input)
    let stat
    try {
      stat = statSync(full)
    } catch {
      continue
    }
    newest = Math.max(newest, stat.mtimeMs)
    if (!stat.isDirectory()) continue
    for (const entry of readdirSync(full, { recursive: true })) {
      newest = Math.max(newest, statSync(path.join(full, entry)).mtimeMs)
    }
  }
  return newest
}

function builtAt() {
  try {
    if (readFileSync(stamp, 'utf8') !== lockHash()) return -1
    return statSync(stamp).mtimeMs
  } catch {
    return -1
  }
}

// The image's dependency layer installs from package.json alone, before the sources are copied
// in (the Dockerfile builds them in a later step): nothing to build from yet.
if (!existsSync(path.join(root, 'src'))) process.exit(0)
if (builtAt() >= newestInput()) process.exit(0)

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
if (!existsSync(tsc)) {
  console.error(
    '# dist/ is missing or older than src/, and TypeScript (a dev dependency) is not installed to build it: run `npm install` with dev dependencies (or `npm run build` where they are)',
  )
  process.exit(1)
}

// Test files run alone, side by side, may all find dist/ stale: one builds, the others wait
// for it and then find dist/ fresh (a lock left by a killed build is taken over after a while).
const lock = path.join(root, 'dist', '.building')
mkdirSync(path.dirname(lock), { recursive: true })
const waitUntil = Date.now() + 120_000
for (;;) {
  try {
    mkdirSync(lock)
    break
  } catch {
    if (Date.now() > waitUntil) break
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)
  }
}
process.on('exit', () => rmSync(lock, { recursive: true, force: true }))
if (builtAt() >= newestInput()) process.exit(0)

console.error('# building dist/ (npm run build): it is missing or older than src/')
// The stamp gets the time the build started: a file saved during the build is newer than it.
const startedAt = new Date()
const started = performance.now()
const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
})
if (built.status !== 0) {
  console.error('# npm run build failed: dist/ cannot run')
  process.exit(built.status ?? 1)
}
writeFileSync(stamp, lockHash())
utimesSync(stamp, startedAt, startedAt)
console.error(`# built dist/ in ${Math.round((performance.now() - started) / 1000)} s`)
