// The shared shape of keyset-paged id queries: newest first, older than beforeId or newer than
// afterId (read oldest-first, then flipped, so "newer" pages start right after the key).
// biome-ignore-all lint/suspicious/noExplicitAny: one helper for queries over different tables
import type { SelectQueryBuilder } from 'kysely'

export interface KeysetWindow {
  beforeId?: number
  afterId?: number
  limit: number
}

export async function pagedIds(
  query: SelectQueryBuilder<any, any, { id: number }>,
  column: string,
  window: KeysetWindow,
): Promise<number[]> {
  let paged = query
  if (window.beforeId !== undefined) paged = paged.where(column, '<', window.beforeId)
  if (window.afterId !== undefined) paged = paged.where(column, '>', window.afterId)
  const forwards = window.afterId !== undefined
  const rows = await paged
    .orderBy(column, forwards ? 'asc' : 'desc')
    .limit(window.limit)
    .execute()
  const ids = rows.map((row) => Number(row.id))
  return forwards ? ids.reverse() : ids
}
