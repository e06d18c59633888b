// Counts the queries an app runs, and how many of them had to wait for another one's answer:
// a query issued after query P answered sits one round trip deeper than P. The deepest chain
// is the number of dependent round trips; queries issued together (Promise.all) share a level
// even on SQLite, whose driver runs them one after the other. Only queries made on behalf of
// the measured work count (its async context), not the app's timers running meanwhile.
import { AsyncLocalStorage } from 'node:async_hooks'
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

export interface QueryTally {
  queries: number
  /** The longest chain of queries each issued after the previous one answered. */
  roundTrips: number
}

export class QueryCounter implements KyselyPlugin {
  private readonly measuring = new AsyncLocalStorage<true>()
  private depthOf = new WeakMap<object, number>()
  private deepestAnswered = 0
  private tally: QueryTally = { queries: 0, roundTrips: 0 }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (!this.measuring.getStore()) return args.node
    // Subqueries pass through here too, but only a statement sent to the server answers: it
    // is counted when its result arrives.
    this.depthOf.set(args.queryId, this.deepestAnswered + 1)
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const depth = this.depthOf.get(args.queryId)
    if (depth === undefined || !this.measuring.getStore()) return args.result
    this.tally.queries++
    this.tally.roundTrips = Math.max(this.tally.roundTrips, depth)
    this.deepestAnswered = Math.max(this.deepestAnswered, depth)
    return args.result
  }

  /** Runs `work` and returns what it cost in queries. */
  async measure(work: () => Promise<unknown>): Promise<QueryTally> {
    this.tally = { queries: 0, roundTrips: 0 }
    this.deepestAnswered = 0
    await this.measuring.run(true, work)
    return { ...this.tally }
  }
}
