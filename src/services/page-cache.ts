// Rendered pages for visitors without a session, kept a few seconds and dropped as soon as
// something they show changes. Each page is tagged with what it shows (its posts, or a whole
// stream); a write names the tags it touches.

export interface CachedPage {
  /** UTF-8, encoded once: a string would be measured and encoded again on every hit. */
  html: Buffer
  etag: string
  expiresAt: number
  tags: readonly string[]
}

/** Bounds the bookkeeping: the pages worth caching are few (front pages, popular posts). */
const MAX_PAGES = 2000
/** Bounds memory, whatever the pages weigh: one process's cache never holds more than this. */
export const MAX_PAGE_CACHE_BYTES = 32 * 2 ** 20

/** What a page costs in memory: its bytes, plus its key and ETag counted as two-byte strings. */
function weight(key: string, page: Omit<CachedPage, 'expiresAt'>): number {
  return page.html.length + 2 * (key.length + page.etag.length)
}

export class PageCache {
  private readonly pages = new Map<string, CachedPage & { bytes: number }>()
  private readonly byTag = new Map<string, Set<string>>()
  private storedBytes = 0

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxBytes: number = MAX_PAGE_CACHE_BYTES,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0
  }

  get(key: string): CachedPage | undefined {
    const page = this.pages.get(key)
    if (!page) return undefined
    if (page.expiresAt <= this.now()) {
      this.drop(key)
      return undefined
    }
    return page
  }

  set(key: string, page: Omit<CachedPage, 'expiresAt'>): void {
    if (!this.enabled) return
    this.drop(key)
    const bytes = weight(key, page)
    if (bytes > this.maxBytes) return
    // Maps keep insertion order: the oldest entries go first.
    while (this.pages.size >= MAX_PAGES || this.storedBytes + bytes > this.maxBytes) {
      const oldest = this.pages.keys().next().value
      if (oldest === undefined) break
      this.drop(oldest)
    }
    this.pages.set(key, { ...page, bytes, expiresAt: this.now() + this.ttlMs })
    this.storedBytes += bytes
    for (const tag of page.tags) {
      const keys = this.byTag.get(tag) ?? new Set()
      keys.add(key)
      this.byTag.set(tag, keys)
    }
  }

  /** Drops every page carrying any of the tags; `*` drops them all. */
  invalidate(tags: readonly string[]): void {
    if (tags.includes('*')) {
      this.pages.clear()
      this.byTag.clear()
      this.storedBytes = 0
      return
    }
    for (const tag of tags) {
      for (const key of this.byTag.get(tag) ?? []) this.drop(key)
    }
  }

  get size(): number {
    return this.pages.size
  }

  /** What the stored pages weigh (as counted against the bound). */
  get bytes(): number {
    return this.storedBytes
  }

  private drop(key: string): void {
    const page = this.pages.get(key)
    if (!page) return
    this.pages.delete(key)
    this.storedBytes -= page.bytes
    for (const tag of page.tags) {
      const keys = this.byTag.get(tag)
      keys?.delete(key)
      if (keys?.size === 0) this.byTag.delete(tag)
    }
  }
}

export const postTag = (id: number) => `post:${id}`
