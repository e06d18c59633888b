// Muting a person or a shake: kept out of the user's friend timeline and notifications.
// The muted are not told, and nothing else changes for them.
import type { Database } from '../db/database.js'
import type { MuteKind } from '../db/schema.js'
import { deleteMute, insertMute, isMuted, type Muted, mutesOf } from '../repositories/mutes.js'
import type { Shake } from '../repositories/shakes.js'
import { findUserByName, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { shakeByAddressId } from './shake-by-id.js'

export class MuteService {
  constructor(private readonly db: Database) {}

  /** Mutes or unmutes the person with this name; returns them. */
  async muteUser(user: User, name: string, muted: boolean): Promise<User> {
    const target = name.length <= 64 ? await findUserByName(this.db, name) : undefined
    if (!target) throw new ServiceError(404, 'There is no such person.')
    if (target.id === user.id) throw new ServiceError(400, 'You cannot mute yourself.')
    await this.set(user, 'user', target.id, muted)
    return target
  }

  /** Mutes or unmutes the shake with this id; returns it. */
  async muteShake(user: User, id: string, muted: boolean): Promise<Shake> {
    const shake = await shakeByAddressId(this.db, id)
    if (shake.userId === user.id) throw new ServiceError(400, 'You cannot mute your own shake.')
    await this.set(user, 'shake', shake.id, muted)
    return shake
  }

  isMuted(user: User | null, kind: MuteKind, targetId: number): Promise<boolean> {
    return user ? isMuted(this.db, user.id, kind, targetId) : Promise.resolve(false)
  }

  list(user: User): Promise<Muted[]> {
    return mutesOf(this.db, user.id)
  }

  private async set(user: User, kind: MuteKind, id: number, muted: boolean): Promise<void> {
    if (muted) await insertMute(this.db, user.id, kind, id)
    else await deleteMute(this.db, user.id, kind, id)
  }
}
