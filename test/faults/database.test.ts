// MariaDB killed under load and started again, on a MariaDB server of the suite's own. It runs
// in the SQLite run too: the server is the suite's own either way, and the default run is the
// one developers run, so a regression in reconnecting shows up there as well.
import { after, describe, it } from 'node:test'
import { OwnMariadb, skipWithoutMariadbServer } from '../helpers/own-mariadb.js'
import { createSocialSite, type SocialSite } from '../helpers/social.js'
import {
  describeWindow,
  finishScenario,
  keptAnswering,
  sleep,
  socialLoadAround,
} from './scenario.js'

const skip = skipWithoutMariadbServer()

describe('database faults', { skip }, () => {
  let server: OwnMariadb | undefined
  let site: SocialSite | undefined
  after(async () => {
    await site?.close()
    await server?.close()
  })

  it('MariaDB restarted under load', async () => {
    server = await OwnMariadb.start()
    site = await createSocialSite(
      'embedded',
      '',
      { OUTBOX_RECHECK_SECONDS: '2' },
      { mysqlServer: server.url },
    )
    const mariadb = server
    const { acknowledged, load, faultStart, faultEnd } = await socialLoadAround(
      site,
      { prefix: 'db', health: true, tailMs: 3000 },
      async () => {
        await mariadb.kill()
        await sleep(2000) // the outage itself, timed on purpose
        await mariadb.start()
      },
    )
    const during = load.figures(faultStart, faultEnd)
    // Once the server is back every request succeeds: no stale connection is handed out.
    const afterwards = load.figures(faultEnd + 500)
    await finishScenario({
      scenario: 'MariaDB restarted under load',
      injected: `SIGKILL to MariaDB under load, started again (down ${faultEnd - faultStart} ms)`,
      site,
      acknowledged,
      own: {
        'site kept answering': keptAnswering(during, 10_000),
        'all ok once back': afterwards.requests > 0 && afterwards.succeeded === afterwards.requests,
      },
      figures: [describeWindow('during', during), describeWindow('after', afterwards)],
    })
  })
})
