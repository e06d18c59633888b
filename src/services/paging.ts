// Keyset paging, shared by every stream: /before/KEY shows what is older than KEY, /after/KEY
// what is newer, PAGE_SIZE at a time, newest first.
import type { KeysetWindow } from '../repositories/keyset.js'
import { ServiceError } from './errors.js'
import { idFromShareKey, shareKey } from './share-keys.js'

export const PAGE_SIZE = 10

export interface Cursor {
  before?: string
  after?: string
}

export type { KeysetWindow }

export interface Page<T> {
  items: T[]
  /** Key to page to older items (/before/KEY), when there are any. */
  olderKey: string | undefined
  /** Key to page to newer items (/after/KEY), when there are any. */
  newerKey: string | undefined
}

/**
 * Loads one page. `load` must return items newest first, at most `limit`, older than beforeId
 * or newer than afterId; `keyOf` gives the id the keys are made of.
 */
export async function keysetPage<T>(
  cursor: Cursor,
  load: (window: KeysetWindow) => Promise<T[]>,
  keyOf: (item: T) => number,
  pageSize = PAGE_SIZE,
): Promise<Page<T>> {
  const beforeId = cursor.before === undefined ? undefined : idFromShareKey(cursor.before)
  const afterId = cursor.after === undefined ? undefined : idFromShareKey(cursor.after)
  if ((cursor.before !== undefined && !beforeId) || (cursor.after !== undefined && !afterId)) {
    throw new ServiceError(404, 'That page does not exist.')
  }
  const rows = await load({
    ...(beforeId ? { beforeId } : {}),
    ...(afterId ? { afterId } : {}),
    limit: pageSize + 1,
  })
  const more = rows.length > pageSize
  // Going forwards the extra row is the oldest of the newer ones; otherwise the last one.
  const items = afterId ? rows.slice(more ? 1 : 0) : rows.slice(0, pageSize)
  const first = items[0]
  const last = items.at(-1)
  return {
    items,
    olderKey: last !== undefined && (afterId || more) ? shareKey(keyOf(last)) : undefined,
    newerKey:
      first !== undefined && (beforeId || (afterId && more)) ? shareKey(keyOf(first)) : undefined,
  }
}
