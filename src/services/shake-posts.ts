// Putting a post into another shake, or taking it out of one.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { WorkSignal } from '../jobs/job-names.js'
import { placePostInShake, takePostOutOfShake } from '../repositories/posts.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'
import { livePost } from './posts.js'
import { canPostTo } from './shake-access.js'
import { shakeNamed } from './shake-by-name.js'

export class ShakePostService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

  /** Puts one of the user's posts into another shake they may post to. */
  async addPost(user: User, key: string, name: string): Promise<void> {
    const post = await livePost(this.db, key)
    if (post.userId !== user.id)
      throw new ServiceError(403, 'Only the person who posted this can add it to shakes.')
    const shake = await shakeNamed(this.db, name)
    if (!(await canPostTo(this.db, user, shake)))
      throw new ServiceError(403, 'You cannot post to that shake.')
    await inTransaction(this.db, async (trx) => {
      if (await placePostInShake(trx, shake.id, post.id))
        await enqueue(trx, 'fan-out-post', { postId: post.id })
    })
    this.work.kick()
  }

  /** Takes a post out of a shake: the post's owner or the shake's owner may. */
  async removePost(user: User, key: string, name: string): Promise<void> {
    const post = await livePost(this.db, key)
    const shake = await shakeNamed(this.db, name)
    if (post.userId !== user.id && shake.userId !== user.id) {
      throw new ServiceError(
        403,
        'Only the poster or the shake owner can take a post out of a shake.',
      )
    }
    if (!(await takePostOutOfShake(this.db, shake.id, post.id)))
      throw new ServiceError(404, 'That post is not in that shake.')
  }
}
