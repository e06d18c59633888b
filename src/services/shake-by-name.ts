// A shake named in an address (/NAME, /shake/NAME/...): names longer than any shake's are not
// looked up, and a missing shake, or a user shake where a group is wanted, is a 404.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findShakeByName, type Shake } from '../repositories/shakes.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'

const notFound = () => new ServiceError(404, 'There is no such shake.')

/** Any shake, a user's or a group. */
export async function shakeNamed(db: Kysely<DB>, name: string): Promise<Shake> {
  const shake = name.length <= 64 ? await findShakeByName(db, name) : undefined
  if (!shake) throw notFound()
  return shake
}

/** A group shake (user shakes live at /user/NAME). */
export async function groupShakeNamed(db: Kysely<DB>, name: string): Promise<Shake> {
  const shake = name.length <= 64 ? await findShakeByName(db, name) : undefined
  if (shake?.type !== 'group') throw notFound()
  return shake
}

/** A group shake the user owns; anyone else is refused. */
export async function ownedGroupShake(db: Kysely<DB>, user: User, name: string): Promise<Shake> {
  const shake = await groupShakeNamed(db, name)
  if (shake.userId !== user.id)
    throw new ServiceError(403, 'Only the owner of this shake can do that.')
  return shake
}
