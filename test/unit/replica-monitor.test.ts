// The replica monitor says when a replica is set aside or takes reads again, and also at its
// first check: a replica unfit from the start is news to the operator.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { mysqlDialect, openReplicaCheck } from '../../src/db/database.js'
import { ReplicaSet } from '../../src/db/replica-set.js'
import { ReplicaMonitor } from '../../src/services/replica-monitor.js'
import { freePort } from '../helpers/topology.js'

describe('replica monitor', () => {
  const dbs: Array<ReturnType<typeof openReplicaCheck>> = []
  after(async () => {
    await Promise.all(dbs.map((db) => db.destroy()))
  })

  it('logs a replica unfit from its first check, once', async () => {
    // Nothing listens on this port: the replica is unreachable from the start.
    const url = `mysql://root@127.0.0.1:${await freePort()}/none`
    const db = openReplicaCheck(url)
    dbs.push(db)
    const set = new ReplicaSet([{ name: 'r1', url, driver: mysqlDialect(url).createDriver() }], 5)
    const lines: string[] = []
    const log = {
      warn: (_details: object, message: string) => lines.push(`warn ${message}`),
      info: (_details: object, message: string) => lines.push(`info ${message}`),
    }
    const monitor = new ReplicaMonitor(set, [{ name: 'r1', db }], log)
    await monitor.checkAll()
    assert.deepEqual(lines, ['warn replica set aside'])
    assert.equal(set.report()[0]?.fit, false)
    await monitor.checkAll()
    assert.deepEqual(lines, ['warn replica set aside'], 'no change, no second line')
  })
})
