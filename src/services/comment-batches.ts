// Comments under load, the way likes go (like-batches.ts): the comments that arrive while one
// transaction commits are written together in the next. A busy post's row, which every comment
// of it locks to move its count, is then locked once per batch instead of once per comment, and
// the batch shares one commit.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import { enqueueAll } from '../jobs/enqueue.js'
import { insertComments, type NewComment } from '../repositories/comments.js'
import { GroupCommit } from './group-commit.js'

export interface WrittenComment {
  id: number
  createdAt: Date
}

export class CommentBatches {
  private readonly commits: GroupCommit<NewComment, WrittenComment>

  constructor(db: Database) {
    const write = (comments: readonly NewComment[]) =>
      inTransaction(db, (trx) => writeComments(trx, comments))
    this.commits = new GroupCommit(
      async (comment) => (await write([comment]))[0] as WrittenComment,
      write,
    )
  }

  write(comment: NewComment): Promise<WrittenComment> {
    return this.commits.submit(comment)
  }
}

/** The comments, their posts' counts and their follow-up (mentions, conversations) queued. */
async function writeComments(
  trx: Database,
  comments: readonly NewComment[],
): Promise<WrittenComment[]> {
  const written = await insertComments(trx, comments)
  await enqueueAll(
    trx,
    written.map((comment) => ({
      job: 'after-comment' as const,
      payload: { commentId: comment.id },
    })),
  )
  return written
}
