// What HAProxy's runtime API says about the servers of a backend: `show servers state` (admin
// and operational state, health-check counters) and `show stat` (sessions), parsed by the
// column names of their header lines, which differ between HAProxy versions.

/** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
export const OP_RUNNING = 2
/** srv_admin_state bits: forced, inherited, from DNS and "configuration" maintenance; drain. */
const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40
const ADMIN_DRAIN = 0x08 | 0x10 | 0x80
/** srv_check_result: 3 passed (CHK_RES_PASSED), 4 passed but stopping (404 with disable-on-404). */
const CHECK_PASSED = 3

export interface ServerState {
  backend: string
  name: string
  /** host:port as HAProxy connects to it. */
  address: string
  /** running (in rotation or draining) or not, as the health checks last said. */
  up: boolean
  maintenance: boolean
  draining: boolean
  lastCheckPassed: boolean
}

export interface ServerStats {
  backend: string
  name: string
  /** Requests in flight on this server now (scur). */
  sessions: number
  /** Requests sent to this server since HAProxy started or the server was added (stot). */
  served: number
  /** HAProxy's own word for it: UP, DOWN, DRAIN, MAINT, NOLB, "UP 1/2" ... */
  status: string
}

/** One row per server of `show servers state [backend]`. */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n').map((line) => line.trim())
  const header = lines.find((line) => line.startsWith('# be_id'))
  if (!header) throw new Error(`not the answer to "show servers state": ${text.slice(0, 200)}`)
  const columns = header.slice(2).split(' ')
  return lines
    .filter((line) => line !== '' && !line.startsWith('#') && /^\d+ /.test(line))
    .map((line) => {
      const cells = line.split(' ')
      const cell = (name: string) => {
        const value = cells[columns.indexOf(name)]
        if (value === undefined) throw new Error(`no ${name} in "${line}"`)
        return value
      }
      const admin = Number(cell('srv_admin_state'))
      return {
        backend: cell('be_name'),
        name: cell('srv_name'),
        address: `${cell('srv_addr')}:${cell('srv_port')}`,
        up: Number(cell('srv_op_state')) === OP_RUNNING,
        maintenance: (admin & ADMIN_MAINT) !== 0,
        draining: (admin & ADMIN_DRAIN) !== 0,
        lastCheckPassed: Number(cell('srv_check_result')) === CHECK_PASSED,
      }
    })
}

/** The server rows (not FRONTEND/BACKEND) of `show stat`'s CSV. */
export function parseServerStats(csv: string): ServerStats[] {
  const lines = csv.split('\n')
  const header = lines.find((line) => line.startsWith('# pxname'))
  if (!header) throw new Error(`not the answer to "show stat": ${csv.slice(0, 200)}`)
  const columns = header.slice(2).split(',')
  const at = (cells: string[], name: string) => cells[columns.indexOf(name)] ?? ''
  return lines
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(','))
    .filter((cells) => !['FRONTEND', 'BACKEND'].includes(at(cells, 'svname')))
    .map((cells) => ({
      backend: at(cells, 'pxname'),
      name: at(cells, 'svname'),
      sessions: Number(at(cells, 'scur') || 0),
      served: Number(at(cells, 'stot') || 0),
      status: at(cells, 'status'),
    }))
}
