// SQL for one-time tokens (email verification, password reset). Only hashes are stored.
import type { Kysely } from 'kysely'
import { dbNow } from '../db/dialect.js'
import type { DB, TokenPurpose } from '../db/schema.js'

export interface LiveToken {
  id: number
  userId: number
  email: string | null
}

export async function insertToken(
  db: Kysely<DB>,
  values: {
    userId: number
    purpose: TokenPurpose
    tokenHash: string
    email: string | null
    ttlSeconds: number
  },
): Promise<void> {
  await db
    .insertInto('user_token')
    .values({
      user_id: values.userId,
      purpose: values.purpose,
      token_hash: values.tokenHash,
      email: values.email,
      expires_at: dbNow(values.ttlSeconds),
      created_at: dbNow(),
    })
    .execute()
}

/** A token that exists, has the purpose, is unused and has not expired. */
export async function findLiveToken(
  db: Kysely<DB>,
  purpose: TokenPurpose,
  tokenHash: string,
): Promise<LiveToken | undefined> {
  const row = await db
    .selectFrom('user_token')
    .select(['id', 'user_id', 'email'])
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', dbNow())
    .executeTakeFirst()
  return row && { id: row.id, userId: row.user_id, email: row.email }
}

/** Marks the token used. Returns false when another request used it first. */
export async function consumeToken(db: Kysely<DB>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('user_token')
    .set({ used_at: dbNow() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function deleteUserTokens(
  db: Kysely<DB>,
  userId: number,
  purpose: TokenPurpose,
): Promise<void> {
  await db
    .deleteFrom('user_token')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .execute()
}

/** Removes tokens that can no longer be used. Returns how many went. */
export async function deleteDeadTokens(db: Kysely<DB>): Promise<number> {
  const result = await db
    .deleteFrom('user_token')
    .where((eb) => eb.or([eb('expires_at', '<=', dbNow()), eb('used_at', 'is not', null)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
