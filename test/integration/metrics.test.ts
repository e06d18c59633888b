// Prometheus metrics: who may read them, what they hold, and that no visitor can grow their
// label sets (a series per URL would eat Prometheus's memory one crawler at a time).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { Metrics } from '../../src/observability/metrics.js'
import { startMetricsServer } from '../../src/observability/metrics-server.js'
import { signUp } from '../helpers/accounts.js'
import { createTestSite, type TestSite } from '../helpers/app.js'
import { noisyJpeg } from '../helpers/images.js'
import { eventually } from '../helpers/jobs.js'
import { sample, seriesOf } from '../helpers/metrics.js'
import { post } from '../helpers/social.js'

const TOKEN = 'scraper-token-0123456789abcdef'

describe('GET /metrics on a web node', () => {
  let site: TestSite
  before(async () => {
    site = await createTestSite({ METRICS_TOKEN: TOKEN, RATE_LIMIT_UPLOAD: '1000/60' })
  })
  after(() => site.close())

  const scrape = (headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    site.app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress })

  test('a direct scraper on loopback reads them; the process and Node metrics are there', async () => {
    const response = await scrape()
    assert.equal(response.statusCode, 200)
    assert.match(response.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/)
    assert.equal(response.headers['cache-control'], 'no-store')
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'mlkshk_outbox_pending',
      'mlkshk_db_pool_in_use',
      'mlkshk_db_pool_size',
    ]) {
      assert.notEqual(sample(response.body, name), undefined, `${name} is missing`)
    }
    assert.equal(
      sample(response.body, 'mlkshk_jobs_total', { queue: 'social', outcome: 'failed' }),
      0,
    )
  })

  test('anyone else gets 403: another address, a request through a proxy, a wrong token', async () => {
    assert.equal((await scrape({}, '203.0.113.9')).statusCode, 403)
    // nginx on the node connects from loopback for anyone on the internet.
    assert.equal((await scrape({ 'x-forwarded-for': '203.0.113.9' })).statusCode, 403)
    assert.equal((await scrape({ forwarded: 'for=203.0.113.9' })).statusCode, 403)
    assert.equal((await scrape({ authorization: 'Bearer wrong-token-0123456789' })).statusCode, 403)
    assert.equal((await scrape({ authorization: `Bearer ${TOKEN}x` })).statusCode, 403)
    const refused = await scrape({}, '203.0.113.9')
    assert.doesNotMatch(refused.body, /http_request|mlkshk_/)
  })

  test('the token lets a scraper in from anywhere, through a proxy too', async () => {
    const direct = await scrape({ authorization: `Bearer ${TOKEN}` }, '203.0.113.9')
    assert.equal(direct.statusCode, 200)
    const proxied = await scrape({ authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '1.2.3.4' })
    assert.equal(proxied.statusCode, 200)
  })

  test('a post shows in the upload, image and job numbers; no user data, no raw URL', async () => {
    const browser = await signUp(site.app, 'metricsposter')
    const key = await post(browser, 'A secret title', await noisyJpeg(64, 48))
    await browser.get(`/p/${key}`)
    let text = ''
    // The post's fan-out runs in the web process (embedded): counted once it has run.
    await eventually(
      async () => {
        text = (await scrape()).body
        return (
          (sample(text, 'mlkshk_jobs_total', { queue: 'social', outcome: 'completed' }) ?? 0) >= 1
        )
      },
      10_000,
      'the fan-out job to be counted',
    )
    assert.equal(sample(text, 'mlkshk_upload_duration_seconds_count', { outcome: 'posted' }), 1)
    assert.equal(sample(text, 'mlkshk_image_render_seconds_count', { format: 'jpeg' }), 1)
    assert.ok(
      (sample(text, 'mlkshk_job_duration_seconds_count', {
        queue: 'social',
        job: 'fan-out-post',
      }) ?? 0) >= 1,
    )
    assert.ok(
      (sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/p/:key',
        status_class: '2xx',
      }) ?? 0) >= 1,
    )
    assert.ok(
      (sample(text, 'http_request_duration_seconds_count', {
        method: 'POST',
        route: '/upload',
        status_class: '3xx',
      }) ?? 0) >= 1,
    )
    for (const secret of ['metricsposter', 'A secret title', `/p/${key}`, '@example.com']) {
      assert.ok(!text.includes(secret), `the metrics hold ${secret}`)
    }
  })

  test('1,000 distinct URLs add no series', async () => {
    const paths = (i: number) => [
      `/p/${i.toString(36)}zz`,
      `/user/nobody${i}`,
      `/nonexistent-${i}/deeper/${i}`,
      `/shake-${i}?page=${i}`,
      `/static/missing-${i}.css`,
    ]
    // Every route pattern once first: its series appear then.
    for (const url of paths(0)) await site.app.inject({ method: 'GET', url })
    const before = seriesOf((await scrape()).body, 'http_request_duration_seconds_bucket').length
    for (let i = 1; i <= 1000; i++) {
      for (const url of paths(i)) await site.app.inject({ method: 'GET', url })
    }
    const text = (await scrape()).body
    const afterCount = seriesOf(text, 'http_request_duration_seconds_bucket').length
    assert.equal(afterCount, before, 'the number of latency series grew with the URLs')
    assert.doesNotMatch(text, /nobody\d|nonexistent-\d|missing-\d|zz"/)
    const all = text.split('\n').filter((line) => line && !line.startsWith('#')).length
    assert.ok(all < 1500, `${all} series in all`)
  })
})

describe("the worker's metrics port", () => {
  test('serves /metrics to loopback and refuses addresses outside METRICS_ALLOW', async () => {
    const metrics = new Metrics('worker')
    const open = await startMetricsServer(
      metrics,
      loadConfig({ METRICS_TOKEN: TOKEN }).metrics,
      '127.0.0.1',
    )
    const closed = await startMetricsServer(
      metrics,
      loadConfig({ METRICS_ALLOW: '192.0.2.0/24', METRICS_TOKEN: TOKEN }).metrics,
      '127.0.0.1',
    )
    try {
      const read = (port: number, headers: Record<string, string> = {}, path = '/metrics') =>
        fetch(`http://127.0.0.1:${port}${path}`, { headers })
      const ok = await read(open.port)
      assert.equal(ok.status, 200)
      const text = await ok.text()
      assert.match(text, /^process_resident_memory_bytes\{role="worker"\} \d+/m)
      assert.match(text, /^mlkshk_jobs_total\{queue="media",outcome="completed",role="worker"\} 0/m)
      assert.equal((await read(closed.port)).status, 403)
      assert.equal(
        (await read(closed.port, { authorization: 'Bearer nope-nope-nope-nope' })).status,
        403,
      )
      assert.equal((await read(closed.port, { authorization: `Bearer ${TOKEN}` })).status, 200)
      assert.equal((await read(open.port, { 'x-forwarded-for': '1.2.3.4' })).status, 403)
      assert.equal((await read(open.port, {}, '/other')).status, 404)
    } finally {
      await open.close()
      await closed.close()
    }
  })
})
