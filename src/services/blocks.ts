// Blocking: a blocked user cannot follow the blocker or their shakes, nor like, save or
// comment on their posts, nor like their comments; existing follows between the two go. The
// blocked user's posts, comments and notifications are hidden from the blocker.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import {
  type BlockedUser,
  blockedIds,
  blockedUsers,
  blocksBetween,
  deleteBlock,
  insertBlock,
  stanceToward,
} from '../repositories/blocks.js'
import { deleteFollowsBetween } from '../repositories/subscriptions.js'
import { findUserByName, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'

/**
 * Refuses an interaction of `actor` with something owned by `ownerIds` when a block stands
 * between them, either way. Every interaction service calls this, so no route can skip it.
 */
export async function refuseIfBlocked(
  db: Database,
  actor: User,
  ownerIds: readonly number[],
  what: string,
): Promise<void> {
  const others = [...new Set(ownerIds.filter((id) => id !== actor.id))]
  refuseBlocked(actor, await blocksBetween(db, actor.id, others), what)
}

/** The refusal of refuseIfBlocked, for block pairs the caller has read itself. */
export function refuseBlocked(
  actor: User,
  blocks: ReadonlyArray<{ userId: number; blockedUserId: number }>,
  what: string,
): void {
  if (blocks.some((b) => b.blockedUserId === actor.id)) {
    throw new ServiceError(403, `You cannot ${what}: this person has blocked you.`)
  }
  if (blocks.length > 0) {
    throw new ServiceError(
      403,
      `You cannot ${what}: you have blocked this person. Unblock them from their profile first.`,
    )
  }
}

export class BlockService {
  constructor(private readonly db: Database) {}

  async block(user: User, name: string): Promise<User> {
    const target = await this.person(name)
    if (target.id === user.id) throw new ServiceError(400, 'You cannot block yourself.')
    await inTransaction(this.db, async (trx) => {
      await insertBlock(trx, user.id, target.id)
      await deleteFollowsBetween(trx, user.id, target.id)
    })
    return target
  }

  async unblock(user: User, name: string): Promise<User> {
    const target = await this.person(name)
    await deleteBlock(this.db, user.id, target.id)
    return target
  }

  /** What a profile needs to know of its reader: did they block or mute this person? */
  stance(user: User | null, target: User): Promise<{ blocked: boolean; muted: boolean }> {
    return user
      ? stanceToward(this.db, user.id, target.id)
      : Promise.resolve({ blocked: false, muted: false })
  }

  async isBlocked(user: User | null, target: User): Promise<boolean> {
    return user ? (await blockedIds(this.db, user.id)).has(target.id) : false
  }

  list(user: User): Promise<BlockedUser[]> {
    return blockedUsers(this.db, user.id)
  }

  /** Ids the viewer has blocked: their content is left out of what the viewer sees. */
  hiddenFor(viewer: User | null): Promise<Set<number>> {
    return viewer ? blockedIds(this.db, viewer.id) : Promise.resolve(new Set())
  }

  private async person(name: string): Promise<User> {
    const user = name.length <= 64 ? await findUserByName(this.db, name) : undefined
    if (!user) throw new ServiceError(404, 'There is no such person.')
    return user
  }
}
