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

/** Bounds memory: the pages worth caching are few (front pages, popular posts). */
const MAX_PAGES = 2000

export class PageCache {
  private readonly pages = new Map<string, CachedPage>()
  private readonly byTag = new Map<string, Set<string>>()

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
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
    if (this.pages.size >= MAX_PAGES) {
      // Maps keep insertion order: the oldest entry goes first.
      const oldest = this.pages.keys().next().value
      if (oldest !== undefined) this.drop(oldest)
    }
    this.pages.set(key, { ...page, expiresAt: this.now() + this.ttlMs })
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
      return
    }
    for (const tag of tags) {
      for (const key of this.byTag.get(tag) ?? []) this.drop(key)
    }
  }

  get size(): number {
    return this.pages.size
  }

  private drop(key: string): void {
    const page = this.pages.get(key)
    if (!page) return
    this.pages.delete(key)
    for (const tag of page.tags) {
      const keys = this.byTag.get(tag)
      keys?.delete(key)
      if (keys?.size === 0) this.byTag.delete(tag)
    }
  }
}

export const postTag = (id: number) => `post:${id}`
