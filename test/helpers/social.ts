// Sites for the social suites: embedded (jobs run in the web process) or production (jobs go
// through BullMQ on a real Redis to a worker runtime, as `npm run worker` runs it).
import assert from 'node:assert/strict'
import { openDatabase } from '../../src/db/database.js'
import { createJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js'
import { createTestSite, type TestSite } from './app.js'
import type { Browser } from './browser.js'
import { location } from './browser.js'
import * as images from './images.js'
import type { TestS3 } from './s3.js'

export type Mode = 'embedded' | 'production'

export const quietLog = { info() {}, warn() {}, error() {} }

export interface SocialSite extends TestSite {
  worker: JobRuntime | undefined
  s3?: TestS3
}

export async function createSocialSite(
  mode: Mode,
  redisUrl: string,
  overrides: Record<string, string> = {},
  options: { s3?: boolean; mysqlServer?: string } = {},
): Promise<SocialSite> {
  const site = await createTestSite(
    {
      RATE_LIMIT_UPLOAD: '10000/60',
      RATE_LIMIT_SIGN_IN: '10000/60',
      RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
      // The fault scenarios' few users write far faster than people do: the per-user write
      // limits have their own suite (test/security/anti-automation.test.ts).
      RATE_LIMIT_LIKE: '1000000/60',
      RATE_LIMIT_COMMENT: '1000000/60',
      RATE_LIMIT_SAVE: '1000000/60',
      RATE_LIMIT_FOLLOW: '1000000/60',
      ...(mode === 'production' ? { REDIS_URL: redisUrl } : {}),
      ...overrides,
    },
    options,
  )
  if (mode === 'embedded') return { ...site, worker: undefined }
  const db = openDatabase(site.config.database)
  const worker = await createJobRuntime(site.config, db, quietLog, {
    role: 'worker',
    relayIntervalMs: 200,
  })
  return {
    ...site,
    worker,
    async close() {
      await worker.close()
      await db.destroy()
      await site.close()
    },
  }
}

/** Posts a fresh image through the upload form and returns its key. */
export async function post(browser: Browser, title: string, data?: Buffer): Promise<string> {
  await browser.get('/tools/new-post')
  const response = await browser.postMultipart('/upload', [
    { name: 'title', value: title },
    {
      name: 'file',
      value: data ?? (await images.noisyJpeg(48, 48)),
      filename: 'x.jpg',
      contentType: 'image/jpeg',
    },
  ])
  assert.equal(response.statusCode, 302, response.body.slice(0, 300))
  return (location(response) as string).slice('/p/'.length)
}

/** POSTs a form asking for JSON, with the browser's CSRF token. */
export async function postJson(browser: Browser, url: string, form: Record<string, string> = {}) {
  if (!browser.csrf) await browser.get('/')
  const response = await browser.post(url, form, { headers: { accept: 'application/json' } })
  return {
    status: response.statusCode,
    body: response.body ? JSON.parse(response.body) : undefined,
  }
}
