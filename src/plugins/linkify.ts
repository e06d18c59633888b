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

// In escaped text a link ends at whitespace or at an escaped quote or bracket. A #tag stands
// after a space or punctuation (not inside a link or an entity like &#39;).
// An @mention is a user name (letters, digits, _ and -) after a space or punctuation, never
// inside an address such as bob@example.com.
const linkOrTag =
  /\b(https?:\/\/(?:(?!&quot;|&#39;|&lt;|&gt;)[^\s])+)|(^|[^\p{L}\p{N}_&#/;])#([\p{L}\p{N}]{1,20})(?![\p{L}\p{N}_])|(^|[^\p{L}\p{N}_&#/;@.-])@([A-Za-z0-9_-]{1,30})(?![\p{L}\p{N}_@-])/gu

export function linkify(text: string): string {
  return escapeHtml(text)
    .replace(
      linkOrTag,
      (
        _match,
        url: string | undefined,
        before: string | undefined,
        tag: string | undefined,
        beforeMention: string,
        name: string,
      ) => {
        if (tag !== undefined)
          return `${before}<a href="/tag/${tag.toLowerCase()}" class="tag">#${tag}</a>`
        if (!url) return `${beforeMention}<a href="/user/${name}" class="mention">@${name}</a>`
        // Sentence punctuation after a link belongs to the sentence.
        const trail = /[.,;:!?)]+$/.exec(url)?.[0] ?? ''
        const link = url.slice(0, url.length - trail.length)
        return `<a href="${link}" rel="nofollow noopener ugc">${link}</a>${trail}`
      },
    )
    .replace(/\r?\n/g, '<br>\n')
}
