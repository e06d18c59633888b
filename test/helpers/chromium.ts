// Debian's chromium driven by playwright-core, against a site listening on loopback: the suites
// in test/browser use the site as people do, with and without JavaScript.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { PASSWORD } from './accounts.js'
import { createTestSite, type TestSite } from './app.js'
import { linkFromMail } from './mail.js'
import { skipUnlessInstalled } from './services.js'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** A skip reason when chromium is missing (an error under CI), else false. */
export const skipWithoutChromium = () => skipUnlessInstalled('chromium', chromiumPath)

/**
 * Flags for Debian's chromium here: no sandbox (root), no GPU, and no call out of the machine
 * (update checks, sync, QUIC), which this network refuses many at a time.
 */
export const quietChromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...quietChromiumFlags],
  })
}

export interface BrowserSite extends TestSite {
  url: string
}

/**
 * A site on its own database (SQLite, or MariaDB under TEST_DATABASE_URL) listening on a free
 * loopback port. Files stay local on both databases: without nginx in front, a browser cannot
 * follow the X-Accel-Redirect answers of the S3 mode.
 */
export async function startBrowserSite(
  overrides: Record<string, string> = {},
): Promise<BrowserSite> {
  const site = await createTestSite({
    RATE_LIMIT_UPLOAD: '10000/60',
    RATE_LIMIT_SIGN_IN: '10000/60',
    RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
    ...overrides,
  })
  await site.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = site.app.server.address() as AddressInfo
  return { ...site, url: `http://127.0.0.1:${port}` }
}

/** A fresh browser profile (cookies of its own) for one person. */
export async function newPerson(
  browser: Browser,
  site: BrowserSite,
  options: {
    javaScriptEnabled?: boolean
    colorScheme?: 'light' | 'dark'
    phone?: boolean
    /** The phone's device pixel ratio (2 unless given). */
    phoneDpr?: number
    /** Only for injecting axe-core: the site's CSP forbids injected scripts. */
    bypassCSP?: boolean
  } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    bypassCSP: options.bypassCSP ?? false,
    baseURL: site.url,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
    ...(options.phone
      ? { isMobile: true, hasTouch: true, deviceScaleFactor: options.phoneDpr ?? 2 }
      : {}),
  })
  // Fail soon: a missing element is a failure, not a 30-second wait; but CI runs its legs side
  // by side on two cores, where a page that takes 1 s alone can take several.
  context.setDefaultTimeout(process.env.CI ? 20_000 : 10_000)
  return context
}

/** Signs up through the form, opens the confirmation link from the outbox, and is signed in. */
export async function signUpAndVerify(page: Page, site: BrowserSite, name: string): Promise<void> {
  const email = `${name}@example.com`
  await page.goto('/create-account')
  await page.getByLabel('User name').fill(name)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await page.getByLabel('Password again').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL((url) => url.pathname !== '/create-account')
  const link = await linkFromMail(site.app, email, /https?:\/\/\S+\/verify\S*/)
  await page.goto(link)
  assert.match((await page.textContent('main')) ?? '', /confirmed|verified/i)
}

/** Signs in through the form on /sign-in. */
export async function signInThroughForm(page: Page, name: string): Promise<void> {
  await page.goto('/sign-in')
  await page.getByLabel('User name or email').fill(name)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((url) => url.pathname !== '/sign-in')
}

/** A marker in the page's window: still there after an action means no navigation happened. */
export async function markPage(page: Page): Promise<() => Promise<boolean>> {
  const marker = `m${Math.random().toString(36).slice(2)}`
  await page.evaluate((m) => {
    ;(globalThis as unknown as Record<string, boolean>)[m] = true
  }, marker)
  return () =>
    page.evaluate((m) => (globalThis as unknown as Record<string, boolean>)[m] === true, marker)
}

const require = createRequire(import.meta.url)
export const axeSource = path.join(path.dirname(require.resolve('axe-core')), 'axe.min.js')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** axe-core's serious and critical violations on the page (its context must bypass the CSP). */
export async function runAxe(page: Page, source: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: source })
  const violations = (await page.evaluate(async () => {
    const { axe } = globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }
    return (await axe.run()).violations
  })) as AxeViolation[]
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

export const screenshotsDir = path.resolve(import.meta.dirname, '../../artifacts/screenshots')

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotsDir, { recursive: true })
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: false })
}
