// Who may post where: a user's own shake, and group shakes they own or are a member of.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { isMember } from '../repositories/memberships.js'
import {
  findPersonalShake,
  findShakeById,
  groupShakesOf,
  type Shake,
} from '../repositories/shakes.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'

export async function canPostTo(db: Kysely<DB>, user: User, shake: Shake): Promise<boolean> {
  if (shake.userId === user.id) return true
  return shake.type === 'group' && (await isMember(db, shake.id, user.id))
}

/** The shake named by a form field (empty: the user's own), if the user may post there. */
export async function postableShake(db: Kysely<DB>, user: User, shakeId: string): Promise<Shake> {
  const personal = await findPersonalShake(db, user.id)
  if (shakeId === '' || shakeId === String(personal?.id)) {
    if (!personal) throw new ServiceError(409, 'Your account has no shake to post to.')
    return personal
  }
  const shake = /^\d{1,10}$/.test(shakeId) ? await findShakeById(db, Number(shakeId)) : undefined
  if (!shake || !(await canPostTo(db, user, shake)))
    throw new ServiceError(403, 'You cannot post to that shake.')
  return shake
}

/** Every shake the user may post to: their own first, then groups they own or belong to. */
export async function postableShakes(db: Kysely<DB>, user: User): Promise<Shake[]> {
  const personal = await findPersonalShake(db, user.id)
  const groups = await groupShakesOf(db, user.id)
  return personal ? [personal, ...groups] : groups
}
