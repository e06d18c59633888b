// Debian's prometheus, started for one test: it scrapes the given targets every second,
// evaluates ops/alerts.yml, and answers PromQL over its HTTP API.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { projectRoot } from '../../src/paths.js'
import { eventually } from './jobs.js'
import { freePort } from './topology.js'

export interface ScrapeJob {
  name: string
  targets: string[]
}

/** One series of an instant query: its labels and value. */
export interface PromSample {
  metric: Record<string, string>
  value: number
}

export class TestPrometheus {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(jobs: ScrapeJob[]): Promise<TestPrometheus> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-prometheus-'))
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(path.join(projectRoot, 'ops/alerts.yml'))}`,
      'scrape_configs:',
      ...jobs.flatMap((job) => [
        `  - job_name: ${job.name}`,
        '    static_configs:',
        `      - targets: ${JSON.stringify(job.targets)}`,
      ]),
    ].join('\n')
    await writeFile(path.join(dir, 'prometheus.yml'), `${config}\n`)
    const port = await freePort()
    const child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    )
    const prometheus = new TestPrometheus(`http://127.0.0.1:${port}`, child, dir)
    await eventually(
      () =>
        fetch(`${prometheus.url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      'prometheus to be ready',
    )
    return prometheus
  }

  private async api<T>(endpoint: string, params: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.url}/api/v1/${endpoint}?${new URLSearchParams(params)}`)
    const body = (await response.json()) as { status: string; data: T; error?: string }
    if (body.status !== 'success') throw new Error(`${endpoint}: ${body.error}`)
    return body.data
  }

  /** An instant query: every series with its value now. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.api<{
      result: Array<{ metric: Record<string, string>; value: [number, string] }>
    }>('query', { query: expr })
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
  }

  /** The one value of a query that yields a single series (undefined when it yields none). */
  async value(expr: string): Promise<number | undefined> {
    const result = await this.query(expr)
    if (result.length > 1) throw new Error(`${expr} yields ${result.length} series`)
    return result[0]?.value
  }

  async targets(): Promise<Array<{ job: string; instance: string; health: string }>> {
    const data = await this.api<{
      activeTargets: Array<{ labels: Record<string, string>; health: string }>
    }>('targets')
    return data.activeTargets.map((t) => ({
      job: t.labels.job as string,
      instance: t.labels.instance as string,
      health: t.health,
    }))
  }

  async rules(): Promise<Array<{ name: string; health: string; lastError?: string }>> {
    const data = await this.api<{
      groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>
    }>('rules')
    return data.groups.flatMap((g) => g.rules)
  }

  /** Alerts pending or firing now. */
  async alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const data = await this.api<{
      alerts: Array<{ labels: Record<string, string>; state: string }>
    }>('alerts')
    return data.alerts
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL')
      await once(this.child, 'exit').catch(() => {})
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}
