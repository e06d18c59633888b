// Sends reads to a replica and everything else to the primary, below Kysely, so services and
// repositories keep one `db`. A connection handed out while reads may go to a replica holds up
// to two real connections, each taken when first needed: plain SELECTs outside a transaction
// run on the replica; writes, locking reads, raw SQL and everything inside a transaction run on
// the primary. A replica whose read fails is set aside and the read runs on the primary. After
// a write, the rest of the request reads from the primary too (read-intent.ts).
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely'
import { mayReadFromReplica, noteWrite } from './read-intent.js'
import type { Replica, ReplicaSet } from './replica-set.js'

export function readRoutingDialect(primary: Dialect, replicas: ReplicaSet): Dialect {
  return {
    createAdapter: () => primary.createAdapter(),
    createIntrospector: (db) => primary.createIntrospector(db),
    createQueryCompiler: () => primary.createQueryCompiler(),
    createDriver: () => new ReadRoutingDriver(primary.createDriver(), replicas),
  }
}

class ReadRoutingDriver implements Driver {
  constructor(
    private readonly primary: Driver,
    private readonly replicas: ReplicaSet,
  ) {}

  async init(): Promise<void> {
    await Promise.all(
      [this.primary, ...this.replicas.replicas.map((r) => r.driver)].map((d) => d.init()),
    )
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const replica = mayReadFromReplica() ? this.replicas.pick() : undefined
    if (!replica) return this.primary.acquireConnection()
    return new RoutedConnection(this.primary, replica, this.replicas)
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    if (!(connection instanceof RoutedConnection))
      return this.primary.beginTransaction(connection, settings)
    connection.inTransaction = true
    noteWrite()
    await this.primary.beginTransaction(await connection.onPrimary(), settings)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof RoutedConnection)) return this.primary.commitTransaction(connection)
    try {
      await this.primary.commitTransaction(await connection.onPrimary())
    } finally {
      connection.inTransaction = false
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof RoutedConnection))
      return this.primary.rollbackTransaction(connection)
    try {
      await this.primary.rollbackTransaction(await connection.onPrimary())
    } finally {
      connection.inTransaction = false
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.primary.savepoint?.(await primaryOf(connection), name, compile)
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.primary.rollbackToSavepoint?.(await primaryOf(connection), name, compile)
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.primary.releaseSavepoint?.(await primaryOf(connection), name, compile)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection instanceof RoutedConnection) await connection.release()
    else await this.primary.releaseConnection(connection)
  }

  async destroy(): Promise<void> {
    await Promise.all(
      [this.primary, ...this.replicas.replicas.map((r) => r.driver)].map((d) => d.destroy()),
    )
  }
}

function primaryOf(connection: DatabaseConnection): Promise<DatabaseConnection> {
  return connection instanceof RoutedConnection
    ? connection.onPrimary()
    : Promise.resolve(connection)
}

class RoutedConnection implements DatabaseConnection {
  inTransaction = false
  private primaryConnection: Promise<DatabaseConnection> | undefined
  private replicaConnection: Promise<DatabaseConnection> | undefined

  constructor(
    private readonly primary: Driver,
    private readonly replica: Replica,
    private readonly replicas: ReplicaSet,
  ) {}

  onPrimary(): Promise<DatabaseConnection> {
    this.primaryConnection ??= this.primary.acquireConnection()
    return this.primaryConnection
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.readsFromReplica(query)) {
      try {
        return await (await this.onReplica()).executeQuery<R>(query)
      } catch (error) {
        this.replicas.failed(this.replica.name, error)
        await this.dropReplica()
      }
    } else if (!this.inTransaction && query.query.kind !== 'SelectQueryNode') noteWrite()
    return (await this.onPrimary()).executeQuery<R>(query)
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    // A stream cannot move halfway through, so it stays on the primary: the worker and exports
    // use streams, not pages.
    yield* (await this.onPrimary()).streamQuery<R>(query, chunkSize)
  }

  async release(): Promise<void> {
    const primary = this.primaryConnection
    this.primaryConnection = undefined
    await Promise.all([primary?.then((c) => this.primary.releaseConnection(c)), this.dropReplica()])
  }

  private readsFromReplica(query: CompiledQuery): boolean {
    if (this.inTransaction) return false
    const node = query.query
    if (node.kind !== 'SelectQueryNode') return false
    return !node.endModifiers?.some((m) => m.modifier !== undefined && m.modifier !== 'Distinct')
  }

  private onReplica(): Promise<DatabaseConnection> {
    this.replicaConnection ??= this.replica.driver.acquireConnection()
    return this.replicaConnection
  }

  private async dropReplica(): Promise<void> {
    const replica = this.replicaConnection
    this.replicaConnection = undefined
    const connection = await replica?.catch(() => undefined)
    if (connection) await this.replica.driver.releaseConnection(connection).catch(() => {})
  }
}
