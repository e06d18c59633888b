// npm run test:pages: every page type as search engines, browsers and screen readers judge it.
// A fresh embedded site (SQLite, local files) on a free loopback port, behind one production
// node's nginx when nginx is installed (compression, static files' caching), is seeded through
// the app with the kinds of images people post, then
//   - Lighthouse (mobile preset) scores the main pages as a visitor and signed in, one after
//     another in one Chromium that makes no request off this machine;
//   - the W3C Nu validator checks the HTML of every page type, in one java call;
//   - each page's outline (one meta description, headings in order) is checked.
// It prints the tables and exits non-zero when a page misses a goal. Reports are kept in
// artifacts/pages/ (Lighthouse JSON per page, the validator's JSON).
// `npm run test:pages -- --no-lighthouse` checks the outline and the HTML only (seconds).
import { execFile, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { createTestSite } from '../helpers/app.js'
import { Browser } from '../helpers/browser.js'
import { chromiumPath, quietChromiumFlags } from '../helpers/chromium.js'
import * as images from '../helpers/images.js'
import { outlineProblems } from '../helpers/page-outline.js'
import { freePort } from '../helpers/topology.js'
import { type FrontNginx, startNginx } from './nginx.js'
import { type PageToCheck, pagesToCheck, type SeededSite, seedSite, type Viewer } from './seed.js'

const root = path.resolve(import.meta.dirname, '../..')
const reportDir = path.join(root, 'artifacts/pages')
const vnuJar = path.join(root, 'node_modules/vnu-jar/build/dist/vnu.jar')

const goals = { performance: 95, accessibility: 100, 'best-practices': 95, seo: 100 } as const
type Category = keyof typeof goals
const categories = Object.keys(goals) as Category[]

/** Chromium for Lighthouse: headless, and quiet (no update checks, sync or other calls out). */
const chromeFlags = [
  '--headless=new',
  ...quietChromiumFlags,
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-default-browser-check',
  '--metrics-recording-only',
  '--mute-audio',
]

async function pictures(): Promise<Parameters<typeof seedSite>[1]> {
  return [
    {
      title: 'Fog over the bay',
      description: 'The bay at six in the morning, before the first ferry. #fog',
      altText: 'A wide bay under soft fog, the far shore faint behind it',
      data: await images.photo(4000, 3000),
      filename: 'bay.jpg',
      contentType: 'image/jpeg',
    },
    {
      title: 'Harbour map',
      description: 'Drawn from memory on the train home.',
      altText: 'A black-ink line drawing of a harbour',
      data: await images.lineArt(1600, 1200),
      filename: 'map.png',
      contentType: 'image/png',
    },
    {
      title: 'Static',
      description: 'What the old television showed after midnight.',
      altText: 'Coloured noise, like an untuned television',
      data: await images.noisyPng(1000, 750),
      filename: 'static.png',
      contentType: 'image/png',
    },
    {
      title: 'Lighthouse blinking',
      description: 'Four frames, on repeat. #fog',
      altText: 'A small animation of changing colours',
      data: await images.animatedGif(480, 360, 8),
      filename: 'blink.gif',
      contentType: 'image/gif',
    },
  ]
}

/** The Cookie header a person's browser sends. */
function cookieOf(seeded: SeededSite, as: Viewer): string | undefined {
  if (as === 'visitor') return undefined
  return [...seeded.people[as].cookies].map(([k, v]) => `${k}=${v}`).join('; ')
}

interface Scores {
  page: PageToCheck
  scores: Record<Category, number | null>
  /** Audits that cost points, per category: id and score. */
  failing: Record<Category, string[]>
}

/**
 * One Lighthouse run. Its trace sometimes comes back unusable (NO_NAVSTART and the like, a
 * known flake of headless Chromium): such a run is tried again, twice at most.
 */
async function audit(port: number, url: string, cookie: string | undefined) {
  for (let attempt = 1; ; attempt++) {
    const runner = await lighthouse(url, {
      port,
      logLevel: 'error',
      output: 'json',
      onlyCategories: [...categories],
      ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
    })
    if (!runner) throw new Error(`Lighthouse gave no result for ${url}`)
    const error = runner.lhr.runtimeError
    if (!error) return runner
    if (attempt === 3) throw new Error(`${url}: ${error.code} ${error.message}`)
    console.log(`  (${url}: ${error.code}, again)`)
  }
}

async function runLighthouse(
  baseUrl: string,
  seeded: SeededSite,
  pages: PageToCheck[],
): Promise<Scores[]> {
  const chrome = await chromeLauncher.launch({ chromePath: chromiumPath, chromeFlags })
  const results: Scores[] = []
  try {
    for (const page of pages) {
      const cookie = cookieOf(seeded, page.as)
      const started = Date.now()
      const runner = await audit(chrome.port, `${baseUrl}${page.path}`, cookie)
      const { lhr } = runner
      await writeFile(path.join(reportDir, `${page.name}-${page.as}.json`), runner.report as string)
      const scores = {} as Scores['scores']
      const failing = {} as Scores['failing']
      for (const category of categories) {
        const result = lhr.categories[category]
        scores[category] = result?.score == null ? null : Math.round(result.score * 100)
        // Scored audits that lost points; for performance (scored on its metrics alone) also
        // the diagnostics that failed outright, which say why a metric is slow.
        failing[category] = (result?.auditRefs ?? [])
          .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
          .filter(
            ({ ref, audit }) =>
              audit?.score != null &&
              audit.scoreDisplayMode !== 'informative' &&
              audit.scoreDisplayMode !== 'manual' &&
              (ref.weight > 0 ? audit.score < 1 : category === 'performance' && audit.score < 0.5),
          )
          .map(({ ref, audit }) =>
            ref.weight > 0 && audit?.displayValue ? `${ref.id} ${audit.displayValue}` : ref.id,
          )
        const lcp = lhr.audits['largest-contentful-paint-element']?.details as
          | { items?: { items?: { node?: { snippet?: string } }[] }[] }
          | undefined
        const element = lcp?.items?.[0]?.items?.[0]?.node?.snippet
        if (category === 'performance' && element && (scores.performance ?? 0) < goals.performance)
          failing[category].push(`LCP element ${element.slice(0, 120)}`)
      }
      results.push({ page, scores, failing })
      console.log(
        `  ${page.name} as ${page.as}: ${categories.map((c) => scores[c]).join(' / ')} (${Math.round((Date.now() - started) / 1000)} s)`,
      )
    }
  } finally {
    chrome.kill()
  }
  return results
}

interface ValidatorMessage {
  type: string
  subType?: string
  url?: string
  lastLine?: number
  message: string
  extract?: string
}

/** The validator's errors per file, from one java call over every page's HTML. */
async function validate(files: string[]): Promise<ValidatorMessage[]> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      'java',
      ['-jar', vnuJar, '--format', 'json', '--stdout', ...files],
      { maxBuffer: 64 * 1024 * 1024 },
      // vnu exits 1 when it finds errors: its JSON is the answer either way.
      (error, stdout) => (stdout ? resolve(stdout) : reject(error ?? new Error('no output'))),
    )
  })
  await writeFile(path.join(reportDir, 'validator.json'), output)
  const { messages } = JSON.parse(output) as { messages: ValidatorMessage[] }
  return messages.filter((m) => m.type === 'error' || m.type === 'non-document-error')
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n')
}

async function main(): Promise<number> {
  const started = Date.now()
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`
  await rm(reportDir, { recursive: true, force: true })
  await mkdir(reportDir, { recursive: true })
  const withNginx = spawnSync('nginx', ['-v']).status === 0
  const [appPort, nginxPort] = [await freePort(), await freePort()]
  const baseUrl = `http://127.0.0.1:${withNginx ? nginxPort : appPort}`
  // Production's settings (templates compiled once, static files cached), on its own data.
  const site = await createTestSite({
    NODE_ENV: 'production',
    BASE_URL: baseUrl,
    RATE_LIMIT_UPLOAD: '10000/60',
    RATE_LIMIT_SIGN_IN: '10000/60',
    RATE_LIMIT_CREATE_ACCOUNT: '10000/60',
  })
  const htmlDir = await mkdtemp(path.join(os.tmpdir(), 'mlkshk-pages-'))
  let failed = false
  let nginx: FrontNginx | undefined
  try {
    await site.app.listen({ host: '127.0.0.1', port: appPort })
    if (withNginx)
      nginx = await startNginx({
        prefix: path.join(htmlDir, 'nginx'),
        appPort,
        port: nginxPort,
        filesRoot: path.join(site.config.dataDir, 'files'),
      })
    console.log(
      `# site on ${baseUrl} (${withNginx ? 'nginx in front, as in production' : 'no nginx: the app alone'}); seeding`,
    )
    const seeded = await seedSite(site.app, await pictures())
    const pages = pagesToCheck(seeded)
    console.log(`# seeded (${elapsed()}); fetching ${pages.length} pages`)

    // The HTML of every page type, as its reader gets it.
    const files = new Map<string, PageToCheck>()
    const outlines: string[][] = [['page', 'as', 'outline']]
    for (const page of pages) {
      const reader = page.as === 'visitor' ? new Browser(site.app) : seeded.people[page.as]
      const response = await reader.get(page.path)
      if (response.statusCode !== (page.status ?? 200)) {
        outlines.push([page.name, page.as, `answered ${response.statusCode}`])
        failed = true
        continue
      }
      const file = path.join(htmlDir, `${page.name}-${page.as}.html`)
      await writeFile(file, response.body)
      files.set(file, page)
      const problems = outlineProblems(response.body)
      if (problems.length) {
        outlines.push([page.name, page.as, problems.join(', ')])
        failed = true
      }
    }
    console.log('\n## Outline (meta description, headings)')
    console.log(outlines.length > 1 ? table(outlines) : 'every page: fine')

    console.log(`\n## W3C Nu validator (${files.size} pages)`)
    const errors = await validate([...files.keys()])
    if (errors.length) failed = true
    const errorRows = [['page', 'as', 'line', 'error']]
    for (const error of errors) {
      const file = error.url ? new URL(error.url).pathname : ''
      const page = files.get(file)
      errorRows.push([
        page?.name ?? file,
        page?.as ?? '',
        String(error.lastLine ?? ''),
        error.message.slice(0, 160),
      ])
    }
    console.log(errors.length ? table(errorRows) : '0 errors')
    console.log(`(${elapsed()})`)

    if (process.argv.includes('--no-lighthouse')) {
      console.log(`\n# Lighthouse left out; ${failed ? 'FAILED' : 'passed'} in ${elapsed()}`)
      return failed ? 1 : 0
    }
    // Lighthouse on the main pages, as a visitor and signed in (where the page is for them).
    const main = new Set(['home', 'post', 'shake', 'profile', 'incoming', 'popular'])
    const audited = [
      ...pages.filter((p) => main.has(p.name) && (p.as === 'visitor' || p.as === 'alice')),
      ...pages.filter((p) => p.name === 'sign-in' || p.name === 'sign-up'),
    ]
    console.log(`\n## Lighthouse 12, mobile (${audited.length} runs)`)
    const results = await runLighthouse(baseUrl, seeded, audited)
    const rows = [['page', 'as', ...categories]]
    const misses: string[] = []
    for (const result of results) {
      rows.push([
        result.page.name,
        result.page.as,
        ...categories.map((c) => String(result.scores[c] ?? '-')),
      ])
      for (const category of categories) {
        const score = result.scores[category]
        if (score === null || score < goals[category]) {
          failed = true
          misses.push(
            `${result.page.name} as ${result.page.as}, ${category} ${score}:\n    ${result.failing[category].join('\n    ')}`,
          )
        }
      }
    }
    console.log(`\n${table(rows)}`)
    console.log(
      `\ngoals: ${categories.map((c) => `${c} ${c === 'accessibility' || c === 'seo' ? '' : '≥ '}${goals[c]}`).join(', ')}`,
    )
    if (misses.length)
      console.log(`\nbelow the goals (audits that cost points):\n${misses.join('\n')}`)
    console.log(`\n# ${failed ? 'FAILED' : 'passed'} in ${elapsed()}; reports in ${reportDir}`)
  } finally {
    await nginx?.stop()
    await site.close()
    await rm(htmlDir, { recursive: true, force: true })
  }
  return failed ? 1 : 0
}

process.exitCode = await main()
