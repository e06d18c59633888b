// Statements the busiest paths run on every request (a member's session, a like's post), built
// and compiled by Kysely once per dialect and then sent with each call's values. Building and
// compiling a query with joins and subqueries costs tens of microseconds of CPU, measured as a
// sixth of the web process's time under a flood of likes (bench/README.md); the values are
// still sent as parameters, never written into the SQL.
//
// The builder is called with stand-ins for the values, so it must not look at them: everything
// that varies between calls (the time included) is an argument, and the statement's shape is
// the same for every call. Each stand-in must reach the SQL as a parameter; a builder that
// loses one fails at its first call.
import { type Compilable, type CompiledQuery, createQueryId, type Kysely } from 'kysely'
import { isMysql } from './dialect.js'
import type { DB } from './schema.js'

/** Where an argument goes among a statement's parameters. */
class StandIn {
  constructor(readonly index: number) {}
}

export class PreparedQuery<Args extends readonly unknown[], Row> {
  /** One compiled form per dialect: the SQL differs, the arguments' places do not. */
  private readonly compiled = new Map<'mysql' | 'sqlite', CompiledQuery<Row>>()

  constructor(
    private readonly arity: Args['length'],
    private readonly build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
  ) {}

  async execute(db: Kysely<DB>, ...args: Args): Promise<Row[]> {
    const executor = db.getExecutor()
    // Plugins (the tests' query counters and plan checks) see the statement built with its
    // values, as any other; production installs none.
    if (executor.plugins.length > 0) return (await db.executeQuery(this.build(db, ...args))).rows
    const template = this.templateFor(db)
    const result = await executor.executeQuery<Row>({
      ...template,
      queryId: createQueryId(),
      parameters: template.parameters.map((p) => (p instanceof StandIn ? args[p.index] : p)),
    })
    return result.rows
  }

  async executeTakeFirst(db: Kysely<DB>, ...args: Args): Promise<Row | undefined> {
    return (await this.execute(db, ...args))[0]
  }

  private templateFor(db: Kysely<DB>): CompiledQuery<Row> {
    const dialect = isMysql(db) ? 'mysql' : 'sqlite'
    let template = this.compiled.get(dialect)
    if (!template) {
      const standIns = Array.from({ length: this.arity }, (_, i) => new StandIn(i))
      template = this.build(db, ...(standIns as unknown as Args)).compile()
      const placed = new Set(
        template.parameters.filter((p) => p instanceof StandIn).map((p) => (p as StandIn).index),
      )
      if (placed.size !== this.arity)
        throw new Error(`a prepared statement lost ${this.arity - placed.size} of its arguments`)
      this.compiled.set(dialect, template)
    }
    return template
  }
}

/**
 * A statement compiled once and run with new values: `build` receives the database and one
 * stand-in per argument (`arity` of them), and must use each as a value of the query.
 */
export function prepared<Args extends readonly unknown[], Row>(
  arity: Args['length'],
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  return new PreparedQuery(arity, build)
}
