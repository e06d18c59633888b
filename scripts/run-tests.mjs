#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20 does not expand globs, so the files
// are listed here. Arguments narrow the run to the given files or folders; `--skip a,b` (files
// or folders, repeatable) leaves some out, so that CI's legs do not run the same suite twice:
//
//   node scripts/run-tests.mjs --skip test/unit,test/browser,test/e2e/compose.test.ts
//
// The database is chosen by TEST_DATABASE_URL (unset: SQLite; mysql://...: MariaDB/MySQL).
// Test files run side by side, as many as the machine has cores (os.availableParallelism());
// TEST_CONCURRENCY=n overrides that.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

function testFiles(target) {
  const full = path.resolve(root, target)
  if (!existsSync(full)) {
    console.error(`no test file or folder ${target}`)
    process.exit(2)
  }
  if (statSync(full).isFile()) return [full]
  return readdirSync(full, { recursive: true })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.join(full, name))
    .sort()
}

const targets = []
const skipped = []
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const arg = args[i]
  if (arg === '--skip' || arg.startsWith('--skip=')) {
    const list = arg === '--skip' ? args[++i] : arg.slice('--skip='.length)
    if (!list) throw new Error('--skip needs a comma-separated list of files or folders')
    skipped.push(...list.split(',').filter(Boolean))
  } else {
    targets.push(arg)
  }
}
// The default run is every suite; `test/faults` and `test/security` also run on their own
// (npm run test:faults, npm run test:security) so their tables can be read apart.
const defaultTargets = [
  'test/unit',
  'test/integration',
  'test/e2e',
  'test/browser',
  'test/faults',
  'test/security',
]
const skippedFiles = new Set(skipped.flatMap(testFiles))
const files = (targets.length ? targets : defaultTargets)
  .filter((target) => targets.length || existsSync(path.resolve(root, target)))
  .flatMap(testFiles)
  .filter((file) => !skippedFiles.has(file))

const concurrency = Number(process.env.TEST_CONCURRENCY || os.availableParallelism())
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(
    `TEST_CONCURRENCY must be a whole number above 0, not ${process.env.TEST_CONCURRENCY}`,
  )

// The tests that start the real entry points as child processes run the compiled dist/ (what
// `npm start` and the image run): built here once, before any test file can ask for it.
const build = spawnSync(process.execPath, [path.join(root, 'scripts/build-if-stale.mjs')], {
  cwd: root,
  stdio: 'inherit',
})
if (build.status !== 0) process.exit(build.status ?? 1)

const database = process.env.TEST_DATABASE_URL
  ? process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')
  : 'sqlite'
console.log(
  `# ${files.length} test files on ${database}, ${concurrency} at a time` +
    (skippedFiles.size ? ` (${skippedFiles.size} skipped: ${skipped.join(', ')})` : ''),
)

// Scenario suites (faults, security) leave one JSON row per scenario here; see
// test/helpers/scenario-report.ts. They are printed as tables once every file has run.
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'mlkshk-report-'))

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs fails after ten minutes instead of holding CI until its limit (the
    // slowest, the elastic pool's, takes about two and a half).
    '--test-timeout=600000',
    '--test-reporter=spec',
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    // A timezone far from UTC catches code that mixes local and UTC times.
    env: {
      ...process.env,
      TZ: process.env.TZ ?? 'America/Los_Angeles',
      TEST_REPORT_DIR: reportDir,
    },
  },
)
printScenarioTables(reportDir)
rmSync(reportDir, { recursive: true, force: true })
process.exit(result.status ?? 1)

function printScenarioTables(dir) {
  const rows = readdirSync(dir)
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')))
  const suites = [...new Set(rows.map((row) => row.suite))]
  for (const suite of suites) {
    console.log(`\n## ${suite} (${database})\n`)
    console.log('| scenario | injected | invariants held | figures |')
    console.log('|---|---|---|---|')
    for (const row of rows.filter((r) => r.suite === suite)) {
      const held = Object.entries(row.invariants)
        .map(([name, ok]) => `${ok ? '✓' : '✗'} ${name}`)
        .join('<br>')
      console.log(`| ${row.scenario} | ${row.injected} | ${held} | ${row.figures.join('<br>')} |`)
    }
  }
}
