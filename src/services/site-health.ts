// The operator's view of the site's health: database, Redis and the queues, the file store,
// and the outbox. Each check is bounded in time, so a dead dependency shows as an error
// instead of a page that never answers.
import type { Database } from '../db/database.js'
import type { ReplicaSet, ReplicaState } from '../db/replica-set.js'
import type { QueueHealth } from '../jobs/bullmq.js'
import type { JobRuntime } from '../jobs/runtime.js'
import { pingDatabase } from '../repositories/health.js'
import { type OutboxHealth, outboxHealth } from '../repositories/outbox.js'
import type { FileStore } from '../storage/file-store.js'
import type { AlarmState, QueueWatch } from './queue-watch.js'
import { type Check, timed } from './timed-check.js'

export interface SiteHealth {
  ok: boolean
  database: Check
  files: Check & { store: string }
  jobs: Check<Record<string, QueueHealth>> & { runner: string }
  outbox: Check<OutboxHealth>
  /** The queue watch's last look: stuck queues or an outbox that stopped draining. */
  alarms: AlarmState
  /** Read replicas: each fit one takes reads; the others are skipped, and why. */
  replicas: ReplicaState[]
}

export async function siteHealth(
  db: Database,
  store: FileStore,
  jobs: JobRuntime,
  watch: QueueWatch,
  replicas?: ReplicaSet,
): Promise<SiteHealth> {
  const [database, files, queues, outbox] = await Promise.all([
    timed(() => pingDatabase(db)),
    timed(() => store.ping()),
    timed(() => jobs.queueHealth()),
    timed(() => outboxHealth(db)),
  ])
  const alarms = watch.state()
  const replicaStates = replicas?.report() ?? []
  return {
    ok:
      database.ok &&
      files.ok &&
      queues.ok &&
      outbox.ok &&
      alarms.alarms.length === 0 &&
      replicaStates.every((r) => r.fit),
    database: database as Check,
    files: { ...(files as Check), store: store.kind },
    jobs: { ...queues, runner: jobs.mode },
    outbox,
    alarms,
    replicas: replicaStates,
  }
}
