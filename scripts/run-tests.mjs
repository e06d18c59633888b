#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20 does not expand globs, so the files
// are listed here. Arguments narrow the run to the given files or folders.
// The database is chosen by TEST_DATABASE_URL (unset: SQLite; mysql://...: MariaDB/MySQL).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

function testFiles(target) {
  const full = path.resolve(root, target)
  if (statSync(full).isFile()) return [full]
  return readdirSync(full, { recursive: true })
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.join(full, name))
    .sort()
}

const targets = process.argv.slice(2)
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
const files = (targets.length ? targets : defaultTargets)
  .filter((target) => targets.length || existsSync(path.resolve(root, target)))
  .flatMap(testFiles)
const database = process.env.TEST_DATABASE_URL
  ? process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')
  : 'sqlite'
console.log(`# ${files.length} test files on ${database}`)

// Scenario suites (faults, security) leave one JSON row per scenario here; see
// test/helpers/scenario-report.ts. They are printed as tables once every file has run.
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'mlkshk-report-'))

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
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
