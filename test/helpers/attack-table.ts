// The security suite's record: each attack, how many variants were tried, and whether the
// defence held. Every suite file prints its table when it finishes, so a run ends with the
// proof in plain text next to the test results.

interface Row {
  attack: string
  tried: number
  held: boolean
}

export class AttackTable {
  private readonly rows: Row[] = []

  constructor(readonly title: string) {}

  /**
   * Runs one attack. `attempt` returns how many variants it tried and throws (an assertion)
   * when the defence gave way; either way the row is recorded, and the error still fails the
   * test.
   */
  async attack(name: string, attempt: () => Promise<number>): Promise<void> {
    try {
      const tried = await attempt()
      this.rows.push({ attack: name, tried, held: true })
    } catch (error) {
      this.rows.push({ attack: name, tried: 0, held: false })
      throw error
    }
  }

  print(): void {
    const header = ['attack', 'tried', 'result']
    const lines = this.rows.map((row) => [
      row.attack,
      row.held ? String(row.tried) : '-',
      row.held ? 'held ✓' : 'FAILED ✗',
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)))
    const format = (cells: string[]) =>
      `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`
    const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`
    console.log(
      [`\n## Security: ${this.title}`, format(header), rule, ...lines.map(format), ''].join('\n'),
    )
  }
}
