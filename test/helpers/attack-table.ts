// The security suite's record: each attack, how many variants were tried, and whether the
// defence held. Rows go to the scenario report (test/helpers/scenario-report.ts), which
// scripts/run-tests.mjs prints as one table when the run ends.
import { recordScenario } from './scenario-report.js'

export class AttackTable {
  /**
   * @param area what is attacked ("CSRF"), the first words of each row
   * @param defence what holding means ("403, nothing changed")
   */
  constructor(
    readonly area: string,
    readonly defence: string,
  ) {}

  /**
   * Runs one attack. `attempt` returns how many variants it tried and throws (an assertion)
   * when the defence gave way; either way the row is recorded, and the error still fails the
   * test. `defence` names what holding means when it differs from the table's (controls).
   */
  async attack(
    name: string,
    attempt: () => Promise<number>,
    defence = this.defence,
  ): Promise<void> {
    let tried: number | undefined
    try {
      tried = await attempt()
    } finally {
      await recordScenario({
        suite: 'security',
        scenario: `${this.area}: ${name}`,
        injected: tried === undefined ? 'stopped at a failure' : `${tried} tried`,
        invariants: { [defence]: tried !== undefined },
        figures: [],
      })
    }
  }
}
