// Reading group shakes: a shake by its name or id, the directory, the shakes someone owns or
// may post to.
import type { Database } from '../db/database.js'
import {
  type DirectoryEntry,
  groupShakeDirectory,
  type Shake,
  shakesOwnedBy,
} from '../repositories/shakes.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { canPostTo, postableShakes } from './shake-access.js'
import { shakeByAddressId } from './shake-by-id.js'
import { groupShakeNamed } from './shake-by-name.js'

export class ShakeService {
  constructor(private readonly db: Database) {}

  /** The page of a group shake known by its id (notifications name shakes by id). */
  async pathOf(id: string): Promise<string> {
    const shake = await shakeByAddressId(this.db, id)
    if (shake.type !== 'group') throw new ServiceError(404, 'There is no such shake.')
    return `/${encodeURIComponent(shake.name)}`
  }

  /** A group shake by name (user shakes live at /user/NAME). */
  group(name: string): Promise<Shake> {
    return groupShakeNamed(this.db, name)
  }

  /** The shakes the user owns, as MLTSHP's user resource lists them (not those they joined). */
  ownedBy(user: User): Promise<Shake[]> {
    return shakesOwnedBy(this.db, user.id)
  }

  postable(user: User): Promise<Shake[]> {
    return postableShakes(this.db, user)
  }

  canPost(user: User | null, shake: Shake): Promise<boolean> {
    return user ? canPostTo(this.db, user, shake) : Promise.resolve(false)
  }

  directory(order: 'newest' | 'followed' | 'active'): Promise<DirectoryEntry[]> {
    return groupShakeDirectory(this.db, order)
  }
}
