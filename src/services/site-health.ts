// The operator's view of the site's health: database, Redis and the queues, the file store,
// and the outbox. Each check is bounded in time, so a dead dependency shows as an error
// instead of a page that never answers.
import type { Database } from '../db/database.js'
import type { QueueHealth } from '../jobs/bullmq.js'
import type { JobRuntime } from '../jobs/runtime.js'
import { pingDatabase } from '../repositories/health.js'
import { type OutboxHealth, outboxHealth } from '../repositories/outbox.js'
import type { FileStore } from '../storage/file-store.js'

export interface Check<T = undefined> {
  ok: boolean
  ms: number
  error?: string
  details?: T
}

export interface SiteHealth {
  ok: boolean
  database: Check
  files: Check & { store: string }
  jobs: Check<Record<string, QueueHealth>> & { runner: string }
  outbox: Check<OutboxHealth>
}

async function timed<T>(work: () => Promise<T>, timeoutMs = 2000): Promise<Check<T>> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const details = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    return {
      ok: true,
      ms: Math.round(performance.now() - started),
      ...(details === undefined ? {} : { details }),
    }
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: (error as Error).message,
    }
  } finally {
    clearTimeout(timer)
  }
}

export async function siteHealth(
  db: Database,
  store: FileStore,
  jobs: JobRuntime,
): Promise<SiteHealth> {
  const [database, files, queues, outbox] = await Promise.all([
    timed(() => pingDatabase(db)),
    timed(() => store.ping()),
    timed(() => jobs.queueHealth()),
    timed(() => outboxHealth(db)),
  ])
  return {
    ok: database.ok && files.ok && queues.ok && outbox.ok,
    database: database as Check,
    files: { ...(files as Check), store: store.kind },
    jobs: { ...queues, runner: jobs.mode },
    outbox,
  }
}
