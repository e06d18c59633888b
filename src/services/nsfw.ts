// NSFW: anyone signed in may flag an image (every post of it is then covered); each viewer
// chooses whether to see covered images at once. Moderators marking people: services/moderation.ts.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { flagImage, setShowNsfw } from '../repositories/nsfw.js'
import type { User } from '../repositories/users.js'
import { livePost } from './posts.js'
import type { UserChanges } from './session-cache.js'

export class NsfwService {
  constructor(
    private readonly db: Database,
    private readonly users: UserChanges,
  ) {}

  async flagPost(user: User, key: string): Promise<void> {
    const post = await livePost(this.db, key)
    await inTransaction(this.db, (trx) => flagImage(trx, user.id, post.id, post.sourcefile.id))
  }

  async setPreference(user: User, show: boolean): Promise<void> {
    await setShowNsfw(this.db, user.id, show)
    await this.users.userChanged(user.id)
  }
}
