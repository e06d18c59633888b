// "November 26, 2026" in UTC, as pages show dates. One formatter for the process:
// Date#toLocaleDateString with options builds a new Intl.DateTimeFormat on every call, which
// cost about 45 µs per date shown (most of a stream page's render). Pages show the same few
// days over and over, so each day's text is kept too (a few hundred days at most).
const options: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
}
const formatter = new Intl.DateTimeFormat('en-US', options)
const DAY_MS = 86_400_000
const MAX_DAYS = 1000
const byDay = new Map<number, string>()

export function longDate(date: Date): string {
  const time = date instanceof Date ? date.getTime() : Number.NaN
  // Anything else behaves as before ("Invalid Date", or the error a non-date raises).
  if (Number.isNaN(time)) return date.toLocaleDateString('en-US', options)
  const day = Math.floor(time / DAY_MS)
  let text = byDay.get(day)
  if (text === undefined) {
    text = formatter.format(date)
    if (byDay.size >= MAX_DAYS) byDay.clear()
    byDay.set(day, text)
  }
  return text
}
