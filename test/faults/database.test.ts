// MariaDB killed under load and started again, on a MariaDB server of the suite's own. It runs
// in the SQLite run too: the server is the suite's own either way, and the default run is the
// one developers run, so a regression in reconnecting shows up there as well.
import { after, describe, it } from 'node:test'
import { OwnMariadb, skipWithoutMariadbServer } from '../helpers/own-mariadb.js'
import { createSocialSite, type SocialSite } from '../helpers/social.js'
import { Acknowledged } from './invariants.js'
import {
  describeWindow,
  finishScenario,
  healthSteps,
  keptAnswering,
  Load,
  signUpActors,
  sleep,
  socialSteps,
  targetPosts,
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
    const posts = await targetPosts(site, 3)
    const actors = await signUpActors(site, 'db', 4)
    const acknowledged = new Acknowledged()
    const load = new Load([
      ...actors.map((actor) => socialSteps(actor, posts, acknowledged)),
      healthSteps(site),
    ])
    await sleep(1000)
    const faultStart = Date.now()
    await server.kill()
    await sleep(2000)
    await server.start()
    const faultEnd = Date.now()
    await sleep(3000)
    await load.stop()
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
