// Headless Chromium for suites that must see what a real browser does with a page. The suite
// is skipped with a notice when no Chromium is installed, and fails under CI, which has one.
import { access } from 'node:fs/promises'
import { type Browser as Chromium, chromium } from 'playwright-core'
import { inCI } from './services.js'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** A skip reason for node:test when Chromium is missing (an error under CI), else false. */
export async function skipUnlessChromium(): Promise<string | false> {
  try {
    await access(chromiumPath)
    return false
  } catch {
    const message = `Chromium is not installed at ${chromiumPath}`
    if (inCI) throw new Error(`${message}, and CI must run this suite`)
    console.log(`# NOTICE: skipping the browser suite: ${message}`)
    return message
  }
}

export function launchChromium(): Promise<Chromium> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
