// The name a post's file is known by (MLTSHP's `name` of a sharedfile): what the uploader's
// computer called it, or the last segment of the URL it was fetched from. It comes from the
// sender, so it is cleaned once, here, before it is stored; pages escape it like any text.

/** At most this many characters are kept (the column is varchar(255)). */
export const MAX_FILE_NAME_LENGTH = 255

// Control characters (C0, DEL, C1) and the invisible ones that reorder or hide text: bidi
// embeddings, overrides and isolates (U+202E turns "gpj.exe" into "exe.jpg"), marks, BOM.
const unwanted =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g

// Half of a surrogate pair with no other half: not text, and MariaDB's utf8mb4 refuses it.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * The sender's file name made safe to keep and show: the last segment of any path (either
 * slash), without control or direction characters, trimmed, at most 255 characters. '' when
 * nothing usable is left (the API then shows KEY.ext).
 */
export function cleanFileName(sent: string | undefined): string {
  if (!sent) return ''
  const base = sent.replace(loneSurrogate, '\uFFFD').split(/[/\\]/).pop() ?? ''
  const cleaned = base.normalize('NFC').replace(unwanted, '').trim()
  if (cleaned === '.' || cleaned === '..') return ''
  return [...cleaned].slice(0, MAX_FILE_NAME_LENGTH).join('').trim()
}

/** The name of a file fetched from a URL: its path's last segment, decoded, then cleaned. */
export function fileNameOfUrl(url: string): string {
  let pathname: string
  try {
    pathname = new URL(url.trim()).pathname
  } catch {
    return ''
  }
  const segment = pathname.split('/').pop() ?? ''
  let decoded = segment
  try {
    decoded = decodeURIComponent(segment)
  } catch {
    // A malformed escape: the segment as it was written.
  }
  return cleanFileName(decoded)
}
