// SQL for every file-store key the database points at: renditions of each sourcefile, avatars,
// shake images (each stored in two sizes) and data-export archives. A backup checks its copy of
// the files against this list.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { shakeImageFiles } from '../storage/shake-image-files.js'
import type { Rendition } from './sourcefiles.js'

export async function referencedFileKeys(db: Kysely<DB>): Promise<Set<string>> {
  const keys = new Set<string>()
  const sourcefiles = await db.selectFrom('sourcefile').select('renditions').execute()
  for (const { renditions } of sourcefiles) {
    for (const rendition of JSON.parse(renditions) as Rendition[]) keys.add(rendition.key)
  }
  const avatars = await db
    .selectFrom('user')
    .select('avatar_key')
    .where('avatar_key', 'is not', null)
    .execute()
  for (const { avatar_key } of avatars) keys.add(avatar_key as string)
  const shakeImages = await db
    .selectFrom('shake')
    .select('image_key')
    .where('image_key', 'is not', null)
    .execute()
  for (const { image_key } of shakeImages) {
    for (const file of shakeImageFiles(image_key as string)) keys.add(file)
  }
  const exports = await db
    .selectFrom('data_export')
    .select('storage_key')
    .where('storage_key', 'is not', null)
    .execute()
  for (const { storage_key } of exports) keys.add(storage_key as string)
  return keys
}
