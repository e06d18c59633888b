// SQL for what users grant API apps: authorization codes and access tokens. Only SHA-256
// hashes of codes and tokens are stored.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export interface AuthorizationCode {
  id: number
  appId: number
  userId: number
  redirectUri: string
  codeChallenge: string
  scope: string
  expired: boolean
  used: boolean
}

export interface AccessGrant {
  id: number
  appId: number
  userId: number
  scope: string
  lastUsedAt: Date | null
}

export interface GrantListing {
  id: number
  appId: number
  appName: string
  scope: string
  createdAt: Date
  lastUsedAt: Date | null
}

export async function insertCode(
  db: Kysely<DB>,
  values: {
    codeHash: string
    appId: number
    userId: number
    redirectUri: string
    codeChallenge: string
    scope: string
    ttlSeconds: number
  },
): Promise<void> {
  await db
    .insertInto('api_authorization_code')
    .values({
      code_hash: values.codeHash,
      app_id: values.appId,
      user_id: values.userId,
      redirect_uri: values.redirectUri,
      code_challenge: values.codeChallenge,
      scope: values.scope,
      expires_at: dbNow(values.ttlSeconds),
      created_at: dbNow(),
    })
    .execute()
}

export async function findCode(
  db: Kysely<DB>,
  codeHash: string,
): Promise<AuthorizationCode | undefined> {
  const row = await db
    .selectFrom('api_authorization_code')
    .selectAll()
    .where('code_hash', '=', codeHash)
    .executeTakeFirst()
  return (
    row && {
      id: row.id,
      appId: row.app_id,
      userId: row.user_id,
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      scope: row.scope,
      expired: row.expires_at <= dbNow(),
      used: row.used_at !== null,
    }
  )
}

/** Marks a live code used. False when it was used already (by this or a racing request) or expired. */
export async function redeemCode(db: Kysely<DB>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('api_authorization_code')
    .set({ used_at: dbNow() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', dbNow())
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function insertAccessToken(
  db: Kysely<DB>,
  values: {
    tokenHash: string
    refreshHash: string
    appId: number
    userId: number
    codeId: number | null
    scope: string
    ttlSeconds: number
    refreshTtlSeconds: number
  },
): Promise<void> {
  await db
    .insertInto('api_access_token')
    .values({
      token_hash: values.tokenHash,
      refresh_hash: values.refreshHash,
      app_id: values.appId,
      user_id: values.userId,
      code_id: values.codeId,
      scope: values.scope,
      expires_at: dbNow(values.ttlSeconds),
      refresh_expires_at: dbNow(values.refreshTtlSeconds),
      created_at: dbNow(),
    })
    .execute()
}

function toGrant(row: {
  id: number
  app_id: number
  user_id: number
  scope: string
  last_used_at: string | null
}): AccessGrant {
  return {
    id: row.id,
    appId: row.app_id,
    userId: row.user_id,
    scope: row.scope,
    lastUsedAt: row.last_used_at ? fromDbDateTime(row.last_used_at) : null,
  }
}

/** The grant behind an unexpired access token. */
export async function findLiveAccessToken(
  db: Kysely<DB>,
  tokenHash: string,
): Promise<AccessGrant | undefined> {
  const row = await db
    .selectFrom('api_access_token')
    .select(['id', 'app_id', 'user_id', 'scope', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', dbNow())
    .executeTakeFirst()
  return row && toGrant(row)
}

/** The grant behind an unexpired refresh token of this app. */
export async function findLiveRefreshToken(
  db: Kysely<DB>,
  refreshHash: string,
  appId: number,
): Promise<AccessGrant | undefined> {
  const row = await db
    .selectFrom('api_access_token')
    .select(['id', 'app_id', 'user_id', 'scope', 'last_used_at'])
    .where('refresh_hash', '=', refreshHash)
    .where('app_id', '=', appId)
    .where('refresh_expires_at', '>', dbNow())
    .executeTakeFirst()
  return row && toGrant(row)
}

/**
 * Gives the grant a new token pair, only if it still holds the refresh token that was shown:
 * of two requests with the same refresh token, one wins.
 */
export async function rotateTokens(
  db: Kysely<DB>,
  id: number,
  oldRefreshHash: string,
  values: { tokenHash: string; refreshHash: string; ttlSeconds: number; refreshTtlSeconds: number },
): Promise<boolean> {
  const result = await db
    .updateTable('api_access_token')
    .set({
      token_hash: values.tokenHash,
      refresh_hash: values.refreshHash,
      expires_at: dbNow(values.ttlSeconds),
      refresh_expires_at: dbNow(values.refreshTtlSeconds),
    })
    .where('id', '=', id)
    .where('refresh_hash', '=', oldRefreshHash)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function touchAccessToken(db: Kysely<DB>, id: number): Promise<void> {
  await db
    .updateTable('api_access_token')
    .set({ last_used_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

/** Revokes what a replayed code gave out. */
export async function deleteTokensOfCode(db: Kysely<DB>, codeId: number): Promise<void> {
  await db.deleteFrom('api_access_token').where('code_id', '=', codeId).execute()
}

export async function grantsOfUser(db: Kysely<DB>, userId: number): Promise<GrantListing[]> {
  const rows = await db
    .selectFrom('api_access_token as t')
    .innerJoin('api_app as a', 'a.id', 't.app_id')
    .select(['t.id', 't.app_id', 'a.name', 't.scope', 't.created_at', 't.last_used_at'])
    .where('t.user_id', '=', userId)
    .where((eb) =>
      eb.or([eb('t.expires_at', '>', dbNow()), eb('t.refresh_expires_at', '>', dbNow())]),
    )
    .orderBy('t.id', 'desc')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    appId: row.app_id,
    appName: row.name,
    scope: row.scope,
    createdAt: fromDbDateTime(row.created_at),
    lastUsedAt: row.last_used_at ? fromDbDateTime(row.last_used_at) : null,
  }))
}

export async function deleteUserToken(
  db: Kysely<DB>,
  id: number,
  userId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('api_access_token')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Revokes an app's access to one user: every token, and codes not yet exchanged. */
export async function deleteUserAppGrants(
  db: Kysely<DB>,
  userId: number,
  appId: number,
): Promise<number> {
  const result = await db
    .deleteFrom('api_access_token')
    .where('user_id', '=', userId)
    .where('app_id', '=', appId)
    .executeTakeFirst()
  await db
    .deleteFrom('api_authorization_code')
    .where('user_id', '=', userId)
    .where('app_id', '=', appId)
    .execute()
  return Number(result.numDeletedRows)
}

/** Removes codes past their expiry and tokens that can no longer be used or refreshed. */
export async function deleteDeadGrants(db: Kysely<DB>): Promise<number> {
  const codes = await db
    .deleteFrom('api_authorization_code')
    .where('expires_at', '<=', dbNow())
    .executeTakeFirst()
  const tokens = await db
    .deleteFrom('api_access_token')
    .where('expires_at', '<=', dbNow())
    .where((eb) =>
      eb.or([eb('refresh_expires_at', 'is', null), eb('refresh_expires_at', '<=', dbNow())]),
    )
    .executeTakeFirst()
  return Number(codes.numDeletedRows) + Number(tokens.numDeletedRows)
}
