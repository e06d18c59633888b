// The relay under a burst: rows written by many actions reach the queue in batches (one claim
// and one hand-off per pass, not a statement and a round trip per row), and two relays racing
// over the same outbox, as two web nodes do, hand each row over exactly once.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { type Database, openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { producerConnection, QueueDispatcher } from '../../src/jobs/bullmq.js'
import { OutboxRelay, type QueueHandoff } from '../../src/jobs/relay.js'
import { insertOutboxRows, type OutboxRow } from '../../src/repositories/outbox.js'
import { freshEnvironment, onMysql } from '../helpers/app.js'
import { eventually } from '../helpers/jobs.js'
import { redisUrl, skipUnless } from '../helpers/services.js'
import { quietLog } from '../helpers/social.js'

/** The real queue hand-off, with a note of every batch it was given. */
class RecordingHandoff implements QueueHandoff {
  readonly name = 'recording'
  readonly runsJobs = false as const
  readonly batches: number[][] = []
  constructor(private readonly queue: QueueDispatcher) {}
  async handOver(rows: readonly OutboxRow[]): Promise<void> {
    this.batches.push(rows.map((r) => r.id))
    await this.queue.handOver(rows)
  }
  fate(row: OutboxRow) {
    return this.queue.fate(row)
  }
}

describe(`outbox relay in batches (${onMysql ? 'MySQL' : 'SQLite'})`, async () => {
  const skip = await skipUnless('Redis', redisUrl)
  const cleanups: Array<() => Promise<void>> = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('hands a burst over in batches, each row once, with two relays racing', {
    skip,
  }, async () => {
    const fresh = await freshEnvironment()
    cleanups.push(fresh.drop)
    const config = loadConfig(fresh.env)
    const connection = producerConnection(redisUrl)
    cleanups.push(async () => {
      connection.disconnect()
    })
    const queue = new QueueDispatcher(connection, config.redisPrefix)
    cleanups.push(() => queue.close())
    // Two nodes: each its own connections to the one database.
    const nodes: Array<{ db: Database; handoff: RecordingHandoff; relay: OutboxRelay }> = []
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(config.database)
      if (i === 0) await migrateToLatest(db)
      const handoff = new RecordingHandoff(queue)
      const relay = new OutboxRelay(db, handoff, quietLog, 60_000)
      nodes.push({ db, handoff, relay })
      cleanups.push(async () => {
        await relay.stop()
        await db.destroy()
      })
    }
    const [first] = nodes as [(typeof nodes)[number]]

    const rows = 400
    await insertOutboxRows(
      first.db,
      Array.from({ length: rows }, (_, i) => ({ job: 'recount', payload: { postIds: [i] } })),
    )
    for (const node of nodes) node.relay.kick()
    const pending = () =>
      first.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n))
    await eventually(async () => (await pending()) === 0, 20_000, 'every row relayed')

    const handed = nodes.flatMap((node) => node.handoff.batches.flat())
    assert.equal(handed.length, rows, 'each row handed over once')
    assert.equal(new Set(handed).size, rows)
    const batches = nodes.flatMap((node) => node.handoff.batches)
    assert.ok(
      batches.length <= rows / 25,
      `${rows} rows in ${batches.length} hand-offs: batches, not one row at a time`,
    )
    const relayed = await first.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'relayed')
      .executeTakeFirstOrThrow()
    assert.equal(Number(relayed.n), rows)
    const waiting = await queue.queues.get('maintenance')?.getWaitingCount()
    assert.equal(waiting, rows, 'every job is in the queue')
  })
})
