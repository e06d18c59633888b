// The API: third-party apps, their short-lived authorization codes and the access tokens they
// get for a user. Only SHA-256 hashes of secrets, codes and tokens are stored.
// Frozen: never edit a migration that has shipped; add a new one.
import { type Kysely, MysqlAdapter, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const tableOptions = mysql
    ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`
    : sql``

  // An app registered by a developer. A public app (no secret) proves itself by PKCE alone.
  await db.schema
    .createTable('api_app')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'varchar(64)')
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('description', 'varchar(500)', (c) => c.notNull().defaultTo(''))
    // JSON array of the exact redirect URIs the app may use.
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .addColumn('updated_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema.createIndex('api_app_user').on('api_app').column('user_id').execute()

  // A code the consent page hands to the app: bound to the app, the redirect URI and the PKCE
  // challenge, redeemed once, within seconds.
  await db.schema
    .createTable('api_authorization_code')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('api_app.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    .addColumn('redirect_uri', 'varchar(2000)', (c) => c.notNull())
    .addColumn('code_challenge', 'varchar(128)', (c) => c.notNull())
    .addColumn('scope', 'varchar(100)', (c) => c.notNull())
    .addColumn('expires_at', 'datetime', (c) => c.notNull())
    .addColumn('used_at', 'datetime')
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('api_authorization_code_expiry')
    .on('api_authorization_code')
    .column('expires_at')
    .execute()

  // A grant: the bearer token and its refresh token (rotated on use), for one user and app.
  await db.schema
    .createTable('api_access_token')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('refresh_hash', 'varchar(64)', (c) => c.unique())
    .addColumn('app_id', 'integer', (c) => c.notNull().references('api_app.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
    // The code it was issued for: a replayed code revokes what it gave out.
    .addColumn('code_id', 'integer')
    .addColumn('scope', 'varchar(100)', (c) => c.notNull())
    .addColumn('expires_at', 'datetime', (c) => c.notNull())
    .addColumn('refresh_expires_at', 'datetime')
    .addColumn('last_used_at', 'datetime')
    .addColumn('created_at', 'datetime', (c) => c.notNull())
    .modifyEnd(tableOptions)
    .execute()
  await db.schema
    .createIndex('api_access_token_user')
    .on('api_access_token')
    .columns(['user_id', 'app_id'])
    .execute()
  await db.schema
    .createIndex('api_access_token_app')
    .on('api_access_token')
    .column('app_id')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_access_token').execute()
  await db.schema.dropTable('api_authorization_code').execute()
  await db.schema.dropTable('api_app').execute()
}
