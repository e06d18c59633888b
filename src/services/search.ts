// Search: posts by title, description and alt text (ranked full-text), with from: and in:
// filters; and people and shakes by name and title.
import type { Database } from '../db/database.js'
import { rankedPostIds } from '../db/dialect.js'
import { blockedIds } from '../repositories/blocks.js'
import { findPosts, type Post } from '../repositories/posts.js'
import {
  type FoundPerson,
  type FoundShake,
  findGroupShakes,
  findPeople,
} from '../repositories/search.js'
import type { User } from '../repositories/users.js'
import { parseSearch, type SearchQuery } from './search-query.js'

export const SEARCH_PAGE_SIZE = 20
const MAX_PAGE = 50

export interface SearchResults {
  query: SearchQuery
  posts: Post[]
  people: FoundPerson[]
  shakes: FoundShake[]
  page: number
  hasMore: boolean
}

export class SearchService {
  constructor(private readonly db: Database) {}

  /** Results for the viewer: nothing by people the viewer has blocked. */
  async search(raw: string, pageNumber: number, viewer?: User | null): Promise<SearchResults> {
    const query = parseSearch(raw)
    const page =
      Number.isInteger(pageNumber) && pageNumber >= 1 ? Math.min(pageNumber, MAX_PAGE) : 1
    if (query.terms.length === 0)
      return { query, posts: [], people: [], shakes: [], page, hasMore: false }
    const ids = await rankedPostIds(
      this.db,
      query.terms,
      {
        ...(query.from ? { userName: query.from } : {}),
        ...(query.in ? { shakeName: query.in } : {}),
        ...(viewer ? { hiddenFor: viewer.id } : {}),
      },
      SEARCH_PAGE_SIZE + 1,
      (page - 1) * SEARCH_PAGE_SIZE,
    )
    const posts = await findPosts(this.db, ids.slice(0, SEARCH_PAGE_SIZE))
    const filtered = query.from || query.in
    const blocked = viewer ? await blockedIds(this.db, viewer.id) : new Set<number>()
    const people = page === 1 && !filtered ? await findPeople(this.db, query.terms) : []
    return {
      query,
      posts,
      people: people.filter((person) => !blocked.has(person.id)),
      shakes: page === 1 && !filtered ? await findGroupShakes(this.db, query.terms) : [],
      page,
      hasMore: ids.length > SEARCH_PAGE_SIZE && page < MAX_PAGE,
    }
  }
}
