// docs/architecture.md is a newcomer's map: every file or folder it names in backticks must
// exist, so a rename that forgets the doc fails here instead of leaving the map wrong.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { projectRoot } from '../../src/paths.js'

/** Folders a path may start with as written from the repository root. */
const ROOTS = [
  'src',
  'test',
  'templates',
  'static',
  'migrations',
  'bench',
  'scripts',
  'nginx',
  'haproxy',
  'ops',
  'docs',
]
/** The doc also names files the short way, from inside src/ or templates/. */
const SHORT_FORMS: Record<string, string> = {
  services: 'src/services',
  repositories: 'src/repositories',
  plugins: 'src/plugins',
  routes: 'src/routes',
  db: 'src/db',
  media: 'src/media',
  storage: 'src/storage',
  jobs: 'src/jobs',
  mail: 'src/mail',
  observability: 'src/observability',
  partials: 'templates/partials',
  pages: 'templates/pages',
}

/** Backticked tokens that look like a path under a known folder (no spaces, no placeholders). */
function namedPaths(markdown: string): string[] {
  const found = new Set<string>()
  for (const match of markdown.matchAll(/`([^`\s]+)`/g)) {
    const token = (match[1] ?? '').replace(/[.,:;]+$/, '')
    const first = token.split('/')[0] ?? ''
    if (!token.includes('/') || /[A-Z]{3,}|[*…]/.test(token)) continue
    if (ROOTS.includes(first) || first in SHORT_FORMS) found.add(token)
  }
  return [...found]
}

/** Where a named path is on disk, or undefined when it is nowhere. */
function locate(token: string, root = projectRoot): string | undefined {
  const [first = '', ...rest] = token.split('/')
  const candidates = [path.join(root, token)]
  const short = SHORT_FORMS[first]
  if (short) candidates.push(path.join(root, short, ...rest))
  return candidates.find((candidate) => existsSync(candidate))
}

describe('docs/architecture.md', () => {
  const doc = readFileSync(path.join(projectRoot, 'docs/architecture.md'), 'utf8')

  it('names only files and folders that exist', () => {
    const names = namedPaths(doc)
    assert.ok(names.length > 50, `found ${names.length} paths: the extraction still works`)
    assert.deepEqual(
      names.filter((name) => locate(name) === undefined),
      [],
    )
  })

  it('notices a path that does not exist', () => {
    const names = namedPaths('See `services/no-such-thing.ts` and `src/app.ts`.')
    assert.deepEqual(names, ['services/no-such-thing.ts', 'src/app.ts'])
    assert.equal(locate('services/no-such-thing.ts'), undefined)
    assert.ok(locate('src/app.ts'))
  })
})
