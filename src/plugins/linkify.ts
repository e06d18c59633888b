// Turns the http(s) links in user text into anchors. The text is escaped first and the links
// are found in the escaped text, so nothing the user typed can become markup.
const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => escapes[ch] as string)
}

// In escaped text a link ends at whitespace or at an escaped quote or bracket.
const linkPattern = /\bhttps?:\/\/(?:(?!&quot;|&#39;|&lt;|&gt;)[^\s])+/g

export function linkify(text: string): string {
  return escapeHtml(text)
    .replace(linkPattern, (match) => {
      // Sentence punctuation after a link belongs to the sentence.
      const trail = /[.,;:!?)]+$/.exec(match)?.[0] ?? ''
      const link = match.slice(0, match.length - trail.length)
      return `<a href="${link}" rel="nofollow noopener ugc">${link}</a>${trail}`
    })
    .replace(/\r?\n/g, '<br>\n')
}
