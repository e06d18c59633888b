// NSFW: anyone signed in may flag an image (every post of it is then covered); moderators mark
// users, whose posts are then covered and kept out of Incoming; each viewer chooses whether to
// see covered images at once.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { flagImage, setShowNsfw, setUserNsfw } from '../repositories/nsfw.js'
import { findUserByName, type User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { livePost } from './likes.js'

export class NsfwService {
  constructor(private readonly db: Database) {}

  async flagPost(user: User, key: string): Promise<void> {
    const post = await livePost(this.db, key)
    await inTransaction(this.db, (trx) => flagImage(trx, user.id, post.id, post.sourcefile.id))
  }

  async markUser(moderator: User, name: string, nsfw: boolean): Promise<void> {
    if (!moderator.isAdmin) throw new ServiceError(403, 'Only moderators can mark people as NSFW.')
    const user = name.length <= 64 ? await findUserByName(this.db, name) : undefined
    if (!user) throw new ServiceError(404, 'There is no such person.')
    await setUserNsfw(this.db, user.id, nsfw)
  }

  setPreference(user: User, show: boolean): Promise<void> {
    return setShowNsfw(this.db, user.id, show)
  }
}
