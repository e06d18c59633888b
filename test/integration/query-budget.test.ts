// Query discipline: every page, on seeded data, stays within its budget of queries (no N+1)
// and of dependent round trips (queries that had to wait for another one's answer).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  READER_NAME,
  SEED_PASSWORD,
  type SeedResult,
  scaled,
  seedDatabase,
} from '../../bench/seed.js'
import { shareKey } from '../../src/services/share-keys.js'
import { signIn } from '../helpers/accounts.js'
import { createTestSite, onMysql, type TestSite } from '../helpers/app.js'
import type { Browser } from '../helpers/browser.js'
import { QueryCounter } from '../helpers/query-counter.js'

const MAX_QUERIES = 8
const MAX_ROUND_TRIPS = 3
/** A signed-in request first reads its session row, then the user it names. */
const SIGNED_IN_PREAMBLE = 2

describe(`query budget per page (${onMysql ? 'MySQL' : 'SQLite'})`, () => {
  const counter = new QueryCounter()
  let site: TestSite
  let seeded: SeedResult
  let reader: Browser

  before(async () => {
    site = await createTestSite({}, { server: { queryPlugins: [counter] } })
    seeded = await seedDatabase(site.app.db, scaled(0.01))
    reader = await signIn(site.app, READER_NAME, SEED_PASSWORD)
  })
  after(() => site?.close())

  const pages = () => {
    const post = `/p/${shareKey(seeded.busyPostId)}`
    const user = `/user/${seeded.busiestUserName}`
    return [post, user, `${user}/likes`, '/popular', '/incoming', '/', '/group1']
  }

  async function cost(url: string, browser?: Browser) {
    let status = 0
    const tally = await counter.measure(async () => {
      const response = browser ? await browser.get(url) : await site.app.inject({ url })
      status = response.statusCode
    })
    assert.equal(status, 200, `${url} answered ${status}`)
    return tally
  }

  /** Every page over its budget, as "URL: N queries in M round trips", to see all at once. */
  async function overBudget(urls: string[], roundTrips: number, browser?: Browser) {
    const over: string[] = []
    for (const url of urls) {
      const tally = await cost(url, browser)
      if (tally.queries > MAX_QUERIES || tally.roundTrips > roundTrips)
        over.push(`${url}: ${tally.queries} queries in ${tally.roundTrips} round trips`)
    }
    return over
  }

  it('anonymous pages', async () => {
    assert.deepEqual(await overBudget(pages(), MAX_ROUND_TRIPS), [])
  })

  it('signed-in pages, home following hundreds of shakes included', async () => {
    assert.ok(seeded.timelineRows > 100, 'the reader has a timeline to show')
    const urls = [...pages(), '/notifications', `/user/${READER_NAME}/following`]
    assert.deepEqual(await overBudget(urls, MAX_ROUND_TRIPS + SIGNED_IN_PREAMBLE, reader), [])
  })

  it('the counter sees every query and each wait', async () => {
    // The budget means nothing if the counter misses queries: a known shape must add up.
    const tally = await counter.measure(async () => {
      await site.app.db.selectFrom('user').select('id').limit(1).execute()
      await Promise.all([
        site.app.db.selectFrom('shake').select('id').limit(1).execute(),
        site.app.db.selectFrom('sharedfile').select('id').limit(1).execute(),
      ])
    })
    assert.deepEqual(tally, { queries: 3, roundTrips: 2 })
  })
})
