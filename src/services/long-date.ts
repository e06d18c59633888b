// "November 26, 2026" in UTC, as pages show dates. One formatter for the process:
// Date#toLocaleDateString with options builds a new Intl.DateTimeFormat on every call, which
// cost tens of microseconds per date shown (most of a stream page's render).
const options: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
}
const formatter = new Intl.DateTimeFormat('en-US', options)

export function longDate(date: Date): string {
  if (date instanceof Date && !Number.isNaN(date.getTime())) return formatter.format(date)
  // Anything else behaves as before ("Invalid Date", or the error a non-date raises).
  return date.toLocaleDateString('en-US', options)
}
