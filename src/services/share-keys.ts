// Share keys: a post's id in upper-case base 36 (/p/1A2B), read case-insensitively.

export function shareKey(id: number): string {
  return id.toString(36).toUpperCase()
}

/** The post id behind a key, or undefined for anything that cannot be one. */
export function idFromShareKey(key: string): number | undefined {
  if (!/^[0-9A-Za-z]{1,10}$/.test(key)) return undefined
  const id = Number.parseInt(key, 36)
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}
