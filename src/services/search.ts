// Search: original posts by the words of their title, description and alt text (those holding
// the most words first, then the newest), with from: and in: filters; and people and shakes by
// name and title.
import type { Database } from '../db/database.js'
import { blockedIds } from '../repositories/blocks.js'
import { searchPostIds } from '../repositories/post-words.js'
import { findPosts, type Post } from '../repositories/posts.js'
import {
  type FoundPerson,
  type FoundShake,
  findGroupShakes,
  findPeople,
} from '../repositories/search.js'
import { findUserByName, type User } from '../repositories/users.js'
import { parseSearch, type SearchQuery } from './search-query.js'

export const SEARCH_PAGE_SIZE = 20
/** Ten pages: the newest 200 posts of each word are what search looks at. */
const MAX_PAGE = 10
/** Each word's newest posts looked at, bounded whatever the site's size: every page offered lies among them. */
const WORD_WINDOW = SEARCH_PAGE_SIZE * MAX_PAGE + 1

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
    const author = query.from ? await findUserByName(this.db, query.from) : undefined
    const ids =
      query.from && !author
        ? []
        : await searchPostIds(
            this.db,
            {
              terms: query.terms,
              ...(author ? { userId: author.id } : {}),
              ...(query.in ? { shakeName: query.in } : {}),
              ...(viewer ? { hiddenFor: viewer.id } : {}),
            },
            WORD_WINDOW,
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
