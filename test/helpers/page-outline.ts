// What search engines and screen readers read of a page's outline: its meta description and its
// headings. Regular expressions are enough here: the pages are ours, and the validator (npm run
// test:pages) checks that they are well-formed.

/** The content of every <meta name="description"> in the page, in order. */
export function metaDescriptions(html: string): string[] {
  const found: string[] = []
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    if (!/\bname\s*=\s*["']?description["'\s>]/i.test(tag)) continue
    found.push(/\bcontent\s*=\s*"([^"]*)"/i.exec(tag)?.[1] ?? '')
  }
  return found
}

/** The level of every heading (h1–h6) in document order. */
export function headingLevels(html: string): number[] {
  return [...html.matchAll(/<h([1-6])\b/gi)].map((m) => Number(m[1]))
}

/**
 * What is wrong with a page's headings: not exactly one h1, a heading before the h1, or a level
 * skipped on the way down (h1 then h3). Going back up any number of levels is fine.
 */
export function headingProblems(levels: number[]): string[] {
  const problems: string[] = []
  const ones = levels.filter((l) => l === 1).length
  if (ones !== 1) problems.push(`${ones} h1 headings`)
  if (levels.length && levels[0] !== 1) problems.push(`starts with an h${levels[0]}`)
  for (let i = 1; i < levels.length; i++) {
    const [before, level] = [levels[i - 1] as number, levels[i] as number]
    if (level > before + 1) problems.push(`h${before} followed by h${level}`)
  }
  return problems
}

/** Problems with the page's outline: one meta description with text, and headings in order. */
export function outlineProblems(html: string): string[] {
  const descriptions = metaDescriptions(html)
  const problems = headingProblems(headingLevels(html))
  if (descriptions.length !== 1) problems.push(`${descriptions.length} meta descriptions`)
  else if ((descriptions[0] ?? '').trim().length < 20) problems.push('a meta description too short')
  return problems
}
