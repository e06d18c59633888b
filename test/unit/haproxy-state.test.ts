// Parsing HAProxy 2.6's runtime API answers (captured from Debian's haproxy), and the small
// rules of the node pool that need no HAProxy.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadNodePoolConfig } from '../../src/config.js'
import { parseRuntimeAddress } from '../../src/ops/haproxy-runtime.js'
import { parseServerStats, parseServersState } from '../../src/ops/haproxy-state.js'
import { nextName } from '../../src/ops/node-pool.js'

const serversState = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 nodes 1 node1 127.0.0.1 2 0 1 1 0 15 3 3 6 0 0 0 - 18081 - 0 0 - - 0
3 nodes 2 node2 127.0.0.1 2 8 1 1 0 1 0 2 6 0 0 0 - 18082 - 0 0 - - 0
3 nodes 3 node3 127.0.0.1 0 1 1 1 0 15 3 0 14 0 0 0 - 18083 - 0 0 - - 0
3 nodes 4 node4 - 0 32 1 1 2 1 0 0 14 0 0 1 nginx 80 - 0 0 - - 0
`

const stat = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
www,FRONTEND,,,3,8,9985,420,0,0,0,0,0,,,,,OPEN,
nodes,node1,0,0,2,5,,300,0,0,,0,,0,0,0,0,UP,1
nodes,node2,0,0,1,4,,120,0,0,,0,,0,0,0,0,DRAIN,0
nodes,BACKEND,0,0,3,8,400,420,0,0,0,0,,0,0,0,0,UP,1
stats,FRONTEND,,,1,1,4000,9,0,0,0,0,0,,,,,OPEN,
`

describe('HAProxy runtime API answers', () => {
  it('reads each server of "show servers state" by the header\'s column names', () => {
    const [one, two, three, four] = parseServersState(serversState)
    assert.deepEqual(one, {
      backend: 'nodes',
      name: 'node1',
      address: '127.0.0.1:18081',
      up: true,
      maintenance: false,
      draining: false,
      lastCheckPassed: true,
    })
    assert.equal(two?.draining, true, 'admin state 8: forced drain')
    assert.equal(two?.lastCheckPassed, false, 'no check has run since it was added')
    assert.equal(three?.maintenance, true, 'admin state 1: forced maintenance')
    assert.equal(three?.up, false)
    assert.equal(four?.maintenance, true, 'admin state 32: a template slot DNS has not filled')
  })

  it('refuses an answer that is not a servers state', () => {
    assert.throws(() => parseServersState('No such backend.\n'), /show servers state/)
  })

  it('reads the sessions of each server of "show stat", leaving out frontends and backends', () => {
    assert.deepEqual(parseServerStats(stat), [
      { backend: 'nodes', name: 'node1', sessions: 2, served: 300, status: 'UP' },
      { backend: 'nodes', name: 'node2', sessions: 1, served: 120, status: 'DRAIN' },
    ])
  })
})

describe('the node pool', () => {
  it('names an added node one past the highest nodeN', () => {
    assert.equal(nextName([]), 'node1')
    assert.equal(nextName(['node1', 'node2', 'web', 'node7']), 'node8')
  })

  it('talks to a UNIX socket or a TCP address', () => {
    assert.deepEqual(parseRuntimeAddress('/run/haproxy/admin.sock'), {
      path: '/run/haproxy/admin.sock',
    })
    assert.deepEqual(parseRuntimeAddress('127.0.0.1:9999'), { host: '127.0.0.1', port: 9999 })
    assert.deepEqual(parseRuntimeAddress('ipv4@haproxy:9999'), { host: 'haproxy', port: 9999 })
  })

  it("reads its settings with defaults, and HAProxy's time format", () => {
    const defaults = loadNodePoolConfig({})
    assert.equal(defaults.adminSocket, '/run/haproxy/admin.sock')
    assert.equal(defaults.backend, 'nodes')
    assert.equal(defaults.checkIntervalMs, 2000)
    assert.equal(defaults.drainTimeoutMs, 60_000)
    assert.equal(loadNodePoolConfig({ CHECK_INTERVAL: '300ms' }).checkIntervalMs, 300)
    assert.equal(loadNodePoolConfig({ CHECK_INTERVAL: '250' }).checkIntervalMs, 250)
    assert.throws(() => loadNodePoolConfig({ CHECK_INTERVAL: '2m' }), ConfigError)
    assert.throws(() => loadNodePoolConfig({ HAPROXY_BACKEND: 'nodes; del' }), ConfigError)
  })
})
