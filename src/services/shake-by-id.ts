// A shake named by the id in an address (/shake/ID/subscribe, /shake/by-id/ID, the API): the
// text is checked before it reaches the database, and a missing or deleted shake is a 404.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { findShakeById, type Shake } from '../repositories/shakes.js'
import { ServiceError } from './errors.js'

export async function shakeByAddressId(db: Kysely<DB>, id: string): Promise<Shake> {
  const shake = /^\d{1,10}$/.test(id) ? await findShakeById(db, Number(id)) : undefined
  if (!shake) throw new ServiceError(404, 'There is no such shake.')
  return shake
}
