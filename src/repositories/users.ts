// SQL for the user table. Flags come back as booleans, datetimes as Dates.
import type { Kysely } from 'kysely'
import { dbNow, fromDbDateTime, toFlag } from '../db/dialect.js'
import type { DB, Role, UserRow } from '../db/schema.js'

export interface User {
  id: number
  name: string
  email: string
  emailConfirmed: boolean
  fullName: string
  about: string
  website: string
  profileImage: boolean
  role: Role
  nsfw: boolean
  showNakedPeople: boolean
  disableNotifications: boolean
  autoplayVideo: boolean
  /** Storage key of the 200×200 avatar, when the user has one. */
  avatarKey: string | null
  /** Live posts (originals and saves), kept on write. */
  postCount: number
  /** Shakes followed, kept on write. */
  followingCount: number
  /** Likes given, kept on write (a like of a post deleted since still counts). */
  likeCount: number
  createdAt: Date
}

export interface UserCredentials {
  id: number
  hashedPassword: string
}

export interface ProfileFields {
  fullName: string
  about: string
  website: string
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    emailConfirmed: row.email_confirmed === 1,
    fullName: row.full_name,
    about: row.about,
    website: row.website,
    profileImage: row.profile_image === 1,
    role: row.role,
    nsfw: row.nsfw === 1,
    showNakedPeople: row.show_naked_people === 1,
    disableNotifications: row.disable_notifications === 1,
    autoplayVideo: row.autoplay_video === 1,
    avatarKey: row.avatar_key,
    postCount: row.post_count,
    followingCount: row.following_count,
    likeCount: row.like_count,
    createdAt: fromDbDateTime(row.created_at),
  }
}

const live = (db: Kysely<DB>) => db.selectFrom('user').selectAll().where('deleted', '=', 0)

export async function findUserById(db: Kysely<DB>, id: number): Promise<User | undefined> {
  const row = await live(db).where('id', '=', id).executeTakeFirst()
  return row && toUser(row)
}

/** Case-insensitive: the column's collation decides, on both dialects. */
export async function findUserByName(db: Kysely<DB>, name: string): Promise<User | undefined> {
  const row = await live(db).where('name', '=', name).executeTakeFirst()
  return row && toUser(row)
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<User | undefined> {
  const row = await live(db).where('email', '=', email).executeTakeFirst()
  return row && toUser(row)
}

/** Whether any account, live or deleted, has the name: deleted accounts keep theirs reserved. */
export async function userNameTaken(db: Kysely<DB>, name: string): Promise<boolean> {
  const row = await db.selectFrom('user').select('id').where('name', '=', name).executeTakeFirst()
  return row !== undefined
}

/** Sign-in accepts a user name or an email address. */
export async function findCredentialsByLogin(
  db: Kysely<DB>,
  login: string,
): Promise<UserCredentials | undefined> {
  const column = login.includes('@') ? 'email' : 'name'
  const row = await db
    .selectFrom('user')
    .select(['id', 'hashed_password'])
    .where(column, '=', login)
    .where('deleted', '=', 0)
    .executeTakeFirst()
  return row && { id: row.id, hashedPassword: row.hashed_password }
}

export async function findHashedPassword(db: Kysely<DB>, id: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('user')
    .select('hashed_password')
    .where('id', '=', id)
    .executeTakeFirst()
  return row?.hashed_password
}

export async function insertUser(
  db: Kysely<DB>,
  values: { name: string; email: string; hashedPassword: string },
): Promise<number> {
  const now = dbNow()
  const result = await db
    .insertInto('user')
    .values({
      name: values.name,
      email: values.email,
      hashed_password: values.hashedPassword,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow()
  return Number(result.insertId)
}

export async function updateProfile(
  db: Kysely<DB>,
  id: number,
  fields: ProfileFields,
): Promise<void> {
  await db
    .updateTable('user')
    .set({
      full_name: fields.fullName,
      about: fields.about,
      website: fields.website,
      updated_at: dbNow(),
    })
    .where('id', '=', id)
    .execute()
}

export async function updateEmail(db: Kysely<DB>, id: number, email: string): Promise<void> {
  await db
    .updateTable('user')
    .set({ email, email_confirmed: 0, updated_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

/** Confirms the address only if it is still the user's address. Returns whether it did. */
export async function confirmEmail(db: Kysely<DB>, id: number, email: string): Promise<boolean> {
  const result = await db
    .updateTable('user')
    .set({ email_confirmed: toFlag(true), updated_at: dbNow() })
    .where('id', '=', id)
    .where('email', '=', email)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function updatePassword(
  db: Kysely<DB>,
  id: number,
  hashedPassword: string,
): Promise<void> {
  await db
    .updateTable('user')
    .set({ hashed_password: hashedPassword, updated_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

export async function updateAvatarKey(
  db: Kysely<DB>,
  id: number,
  key: string | null,
): Promise<void> {
  await db
    .updateTable('user')
    .set({ avatar_key: key, profile_image: toFlag(key !== null), updated_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

export async function setMailNotifications(
  db: Kysely<DB>,
  id: number,
  enabled: boolean,
): Promise<void> {
  await db
    .updateTable('user')
    .set({ disable_notifications: toFlag(!enabled), updated_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

export async function setAutoplayVideo(
  db: Kysely<DB>,
  id: number,
  enabled: boolean,
): Promise<void> {
  await db
    .updateTable('user')
    .set({ autoplay_video: toFlag(enabled), updated_at: dbNow() })
    .where('id', '=', id)
    .execute()
}

export async function setRole(db: Kysely<DB>, id: number, role: Role): Promise<void> {
  await db.updateTable('user').set({ role, updated_at: dbNow() }).where('id', '=', id).execute()
}
