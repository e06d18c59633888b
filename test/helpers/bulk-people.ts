// Many members at once, for tests about load (fan-out, concurrent likes): user rows, and their
// personal shakes when asked, in multi-row statements instead of a sign-up each.
import type { Database } from '../../src/db/database.js'
import { toDbDateTime } from '../../src/db/dialect.js'

export async function insertPeople(
  db: Database,
  ids: readonly number[],
  prefix: string,
  options: { shakes?: boolean } = {},
): Promise<void> {
  const now = toDbDateTime(new Date())
  for (let i = 0; i < ids.length; i += 250) {
    const chunk = ids.slice(i, i + 250)
    await db
      .insertInto('user')
      .values(
        chunk.map((id) => ({
          id,
          name: `${prefix}${id}`,
          email: `${prefix}${id}@example.com`,
          hashed_password: 'x',
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
    if (!options.shakes) continue
    await db
      .insertInto('shake')
      .values(
        chunk.map((id) => ({
          user_id: id,
          type: 'user' as const,
          name: `${prefix}${id}`,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
  }
}
