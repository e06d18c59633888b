// What a replica says of its own replication (MariaDB 10.5+ and MySQL 8.0.22+ both answer
// SHOW REPLICA STATUS; they name the columns differently).
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

export interface ReplicationStatus {
  ioRunning: boolean
  sqlRunning: boolean
  /** NULL while a thread is stopped or the replica has not reached the primary yet. */
  secondsBehind: number | null
  lastError: string
}

/** Undefined when the server is not replicating from anything. */
export async function replicationStatus(db: Kysely<DB>): Promise<ReplicationStatus | undefined> {
  const { rows } = await sql<Record<string, unknown>>`show replica status`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  const column = (...names: string[]) => names.map((n) => row[n]).find((v) => v !== undefined)
  const behind = column('Seconds_Behind_Master', 'Seconds_Behind_Source')
  return {
    ioRunning: column('Slave_IO_Running', 'Replica_IO_Running') === 'Yes',
    sqlRunning: column('Slave_SQL_Running', 'Replica_SQL_Running') === 'Yes',
    secondsBehind: behind === null || behind === undefined ? null : Number(behind),
    lastError: String(column('Last_IO_Error') || column('Last_SQL_Error') || ''),
  }
}
