// Records the statements an app sends, as MySQL text with their parameters, each labelled with
// the request it was made for: the query-plan test explains every one of them. Like the query
// counter, only queries made inside `record` (its async context) are kept, so the app's timers
// running meanwhile add nothing.
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type KyselyPlugin,
  MysqlQueryCompiler,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'

export interface LoggedQuery {
  /** What was being done, e.g. "reader GET /incoming". */
  label: string
  sql: string
  parameters: readonly unknown[]
}

export class QueryLog implements KyselyPlugin {
  private readonly recording = new AsyncLocalStorage<string>()
  private readonly compiler = new MysqlQueryCompiler()
  private readonly pending = new WeakMap<object, RootOperationNode>()
  readonly queries: LoggedQuery[] = []

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    // Subqueries pass through here too; only a statement whose result comes back was sent,
    // and the last node seen for its id is the whole statement.
    if (this.recording.getStore() !== undefined) this.pending.set(args.queryId, args.node)
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const label = this.recording.getStore()
    const node = this.pending.get(args.queryId)
    if (label === undefined || node === undefined) return args.result
    const compiled = this.compiler.compileQuery(node, args.queryId)
    this.queries.push({ label, sql: compiled.sql, parameters: compiled.parameters })
    return args.result
  }

  /** Runs `work`, keeping every query it makes under `label`. */
  record<T>(label: string, work: () => Promise<T>): Promise<T> {
    return this.recording.run(label, work)
  }
}
