// Tags: #word in a description, lower-cased, letters and digits only, at most 20 of them long.
const tagPattern = /(^|[^\p{L}\p{N}_&#/;])#([\p{L}\p{N}]{1,20})(?![\p{L}\p{N}_])/gu

export const TAGS_PER_POST = 20

/** The distinct tags a text names, in order of appearance. */
export function extractTags(text: string): string[] {
  const tags = new Set<string>()
  for (const match of text.matchAll(tagPattern)) {
    tags.add((match[2] as string).toLowerCase())
    if (tags.size >= TAGS_PER_POST) break
  }
  return [...tags]
}

/** A tag name as it may appear in a URL, or undefined when it cannot be one. */
export function tagName(value: string): string | undefined {
  const lower = value.toLowerCase()
  return /^[\p{L}\p{N}]{1,20}$/u.test(lower) ? lower : undefined
}
