// Turns whatever someone typed into a safe search: plain words (letters and digits only, so
// nothing is read as search syntax), and the from:NAME and in:SHAKE filters.
export interface SearchQuery {
  terms: string[]
  from?: string
  in?: string
}

const MAX_INPUT = 500
const MAX_TERMS = 10
const MAX_TERM = 40

export function parseSearch(raw: string): SearchQuery {
  const query: SearchQuery = { terms: [] }
  for (const token of raw.slice(0, MAX_INPUT).split(/\s+/)) {
    const filter = /^(from|in):([A-Za-z0-9_-]{1,30})$/i.exec(token)
    if (filter) {
      if ((filter[1] as string).toLowerCase() === 'from') query.from = filter[2] as string
      else query.in = filter[2] as string
      continue
    }
    for (const word of searchWords(token)) {
      if (query.terms.length < MAX_TERMS && !query.terms.includes(word)) query.terms.push(word)
    }
  }
  return query
}

/**
 * The words of a text as search sees them: runs of letters and digits, lower case, cut to the
 * longest term. People are found by the words of their full names (kept in user_name_word).
 */
export function searchWords(text: string): string[] {
  return [
    ...new Set(
      text
        .normalize('NFC')
        .split(/[^\p{L}\p{N}]+/u)
        .filter((word) => word !== '')
        .map((word) => word.toLowerCase().slice(0, MAX_TERM)),
    ),
  ]
}

/** The most words kept of one post (a long description says what it is about early on). */
const MAX_POST_WORDS = 200

/** The words an original post is found by: those of its title, description and alt text. */
export function postWords(text: { title: string; description: string; altText: string }): string[] {
  return searchWords(`${text.title} ${text.description} ${text.altText}`).slice(0, MAX_POST_WORDS)
}
