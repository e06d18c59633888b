// Results of scenario suites (faults, security), one row per scenario. Each test file runs in a
// process of its own, so rows are written as JSON files into TEST_REPORT_DIR, and
// scripts/run-tests.mjs prints them as one table per suite when the run ends. Without that
// folder (a file run directly) the row is printed at once.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface ScenarioRow {
  suite: string
  scenario: string
  injected: string
  /** Each invariant by name: held or not. */
  invariants: Record<string, boolean>
  /** Key figures, already formatted ("412 answered", "max 230 ms"). */
  figures: string[]
}

export async function recordScenario(row: ScenarioRow): Promise<void> {
  const dir = process.env.TEST_REPORT_DIR
  if (!dir) {
    const held = Object.entries(row.invariants)
      .map(([name, ok]) => `${ok ? '✓' : '✗'} ${name}`)
      .join(', ')
    console.log(
      `# ${row.suite} | ${row.scenario} | ${row.injected} | ${held} | ${row.figures.join(', ')}`,
    )
    return
  }
  const file = path.join(dir, `${row.suite}-${Date.now()}-${randomBytes(3).toString('hex')}.json`)
  await writeFile(file, JSON.stringify(row))
}
