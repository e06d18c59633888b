// SQL for API apps (api_app). Client secrets are stored only as SHA-256 hashes.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime } from '../db/dialect.js'
import type { DB } from '../db/schema.js'

export interface ApiApp {
  id: number
  userId: number
  clientId: string
  /** Null for a public app, which has no secret and proves itself by PKCE alone. */
  secretHash: string | null
  name: string
  description: string
  redirectUris: string[]
  createdAt: Date
}

function toApp(row: {
  id: number
  user_id: number
  client_id: string
  secret_hash: string | null
  name: string
  description: string
  redirect_uris: string
  created_at: string
}): ApiApp {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    secretHash: row.secret_hash,
    name: row.name,
    description: row.description,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    createdAt: fromDbDateTime(row.created_at),
  }
}

export async function insertApp(
  db: Kysely<DB>,
  values: {
    userId: number
    clientId: string
    secretHash: string | null
    name: string
    description: string
    redirectUris: readonly string[]
  },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('api_app')
    .values({
      user_id: values.userId,
      client_id: values.clientId,
      secret_hash: values.secretHash,
      name: values.name,
      description: values.description,
      redirect_uris: JSON.stringify(values.redirectUris),
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

export async function findAppByClientId(
  db: Kysely<DB>,
  clientId: string,
): Promise<ApiApp | undefined> {
  const row = await db
    .selectFrom('api_app')
    .selectAll()
    .where('client_id', '=', clientId)
    .executeTakeFirst()
  return row && toApp(row)
}

export async function findAppById(db: Kysely<DB>, id: number): Promise<ApiApp | undefined> {
  const row = await db.selectFrom('api_app').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toApp(row)
}

export async function appsOwnedBy(db: Kysely<DB>, userId: number): Promise<ApiApp[]> {
  const rows = await db
    .selectFrom('api_app')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute()
  return rows.map(toApp)
}

/** Removes an app its owner no longer wants, with every code and token it was given. */
export async function deleteApp(db: Kysely<DB>, id: number, userId: number): Promise<boolean> {
  const owned = await db
    .selectFrom('api_app')
    .select('id')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (!owned) return false
  await db.deleteFrom('api_access_token').where('app_id', '=', id).execute()
  await db.deleteFrom('api_authorization_code').where('app_id', '=', id).execute()
  await db.deleteFrom('api_app').where('id', '=', id).execute()
  return true
}
