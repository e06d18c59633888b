// Counts kept on rows (a post's likes, a person's likes given), moved by many rows' own deltas in
// one statement: `case id when … then …`, never below zero. The rows are locked in id order, so
// two such statements queue instead of deadlocking.
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema.js'

export type CountedColumn =
  | { table: 'sharedfile'; column: 'like_count' | 'comment_count' }
  | { table: 'user'; column: 'like_count' }

/** Adds each row's delta (by id) to the column; rows whose delta is 0 are left alone. */
export async function addToCounts(
  db: Kysely<DB>,
  target: CountedColumn,
  deltas: ReadonlyMap<number, number>,
): Promise<void> {
  const changed = [...deltas].filter(([, d]) => d !== 0)
  if (changed.length === 0) return
  const ref = sql.ref(target.column)
  const delta = sql`case id ${sql.join(
    changed.map(([id, d]) => sql`when ${id} then ${d}`),
    sql` `,
  )} else 0 end`
  await sql`update ${sql.table(target.table)}
    set ${ref} = case when ${ref} + ${delta} < 0 then 0 else ${ref} + ${delta} end
    where id in (${sql.join(changed.map(([id]) => id))})`.execute(db)
}
