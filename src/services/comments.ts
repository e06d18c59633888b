// Comments: written by any signed-in user, deleted by their author or the post's owner. The
// follow-up (notifying the owner and the people @mentioned, joining the conversation) is a job.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import type { JobContext } from '../jobs/job-context.js'
import type { JobPayloads, WorkSignal } from '../jobs/job-names.js'
import { blocksWithPostOwner } from '../repositories/blocks.js'
import {
  type Comment,
  type CommentPage,
  commentsOfPost,
  deleteComment,
  deleteCommentLike,
  findComment,
  insertCommentLike,
  joinConversation,
  newerCommentsUpTo,
  raiseConversationLatest,
  setConversationMuted,
} from '../repositories/comments.js'
import { insertNotification } from '../repositories/notifications.js'
import { findPost } from '../repositories/posts.js'
import { findUserByName, type User } from '../repositories/users.js'
import { refuseBlocked, refuseIfBlocked } from './blocks.js'
import { CommentBatches } from './comment-batches.js'
import { ServiceError, ValidationError } from './errors.js'
import { livePost } from './posts.js'
import { idFromShareKey, shareKey } from './share-keys.js'
import { textProblem } from './text-rules.js'

export const COMMENT_MAX = 2000
/** Comments one page of a post shows: the newest, with a link to older ones past that. */
export const COMMENTS_PER_PAGE = 100

const noSuchComment = () => new ServiceError(404, 'There is no such comment.')

/** The distinct names @mentioned in a comment. */
export function mentionedNames(body: string): string[] {
  return [
    ...new Set(
      [...body.matchAll(/(?:^|[^\w@])@([A-Za-z0-9_-]{1,30})/g)].map((m) =>
        (m[1] as string).toLowerCase(),
      ),
    ),
  ]
}

export class CommentService {
  private readonly batches: CommentBatches

  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {
    this.batches = new CommentBatches(db)
  }

  /** Where a comment known by its id is read: its post's page, at the comment. */
  async pathOf(commentId: string): Promise<string> {
    const comment = await this.byAddressId(commentId)
    if (!comment) throw noSuchComment()
    const post = `/p/${shareKey(comment.postId)}`
    // Past the newest page, the page of older comments that ends with this one.
    const onFirstPage =
      (await newerCommentsUpTo(this.db, comment, COMMENTS_PER_PAGE)) < COMMENTS_PER_PAGE
    return `${onFirstPage ? post : `${post}?before=${comment.id + 1}`}#comment-${comment.id}`
  }

  /** The comment named by the id in an address, checked before it reaches the database. */
  private async byAddressId(commentId: string): Promise<Comment | undefined> {
    return /^\d{1,10}$/.test(commentId) ? findComment(this.db, Number(commentId)) : undefined
  }

  /** The comment of this post named in the address: 404 for any other. */
  private async ofPost(postId: number, commentId: string): Promise<Comment> {
    const comment = await this.byAddressId(commentId)
    if (!comment || comment.postId !== postId) throw noSuchComment()
    return comment
  }

  /**
   * A page of a post's comments, without those of people the viewer has blocked: the newest, or
   * the newest before the comment id given (`before` from an address; anything but an id is
   * the first page).
   */
  async page(postId: number, viewer?: User | null, before?: string): Promise<CommentPage> {
    const beforeId = before !== undefined && /^\d{1,10}$/.test(before) ? Number(before) : undefined
    return commentsOfPost(this.db, postId, {
      ...(viewer ? { viewerId: viewer.id } : {}),
      ...(beforeId !== undefined ? { before: beforeId } : {}),
      limit: COMMENTS_PER_PAGE,
    })
  }

  /** The newest page of a post's comments, oldest first. */
  async list(postId: number, viewer?: User | null): Promise<Comment[]> {
    return (await this.page(postId, viewer)).comments
  }

  async comment(user: User, key: string, rawBody: string): Promise<Comment> {
    const body = rawBody.trim()
    const problem =
      body === '' ? 'Please write something first.' : textProblem('Comments', body, COMMENT_MAX)
    if (problem) throw new ValidationError({ body: problem })
    // The block check reads by the post's id, so it runs beside the post's own read.
    const id = idFromShareKey(key)
    const [post, blocks] = await Promise.all([
      livePost(this.db, key),
      id === undefined ? [] : blocksWithPostOwner(this.db, user.id, id),
    ])
    refuseBlocked(user, blocks, 'comment on this post')
    const comment = await this.batches.write({ userId: user.id, postId: post.id, body })
    this.work.kick()
    // The comment as written, without reading it back.
    return {
      id: comment.id,
      postId: post.id,
      userId: user.id,
      userName: user.name,
      userAvatarKey: user.avatarKey,
      body,
      likeCount: 0,
      createdAt: comment.createdAt,
    }
  }

  async remove(user: User, key: string, commentId: string): Promise<void> {
    const post = await livePost(this.db, key)
    const comment = await this.ofPost(post.id, commentId)
    if (comment.userId !== user.id && post.userId !== user.id) {
      throw new ServiceError(
        403,
        'Only the author of a comment or the owner of the post can delete it.',
      )
    }
    // The post's comment count and its conversations' latest comment go with it.
    await inTransaction(this.db, (trx) => deleteComment(trx, comment))
  }

  async like(user: User, key: string, commentId: string, liked: boolean): Promise<number> {
    const post = await livePost(this.db, key)
    const comment = await this.ofPost(post.id, commentId)
    if (comment.userId === user.id) throw new ServiceError(403, 'You cannot like your own comment.')
    if (liked)
      await refuseIfBlocked(this.db, user, [comment.userId, post.userId], 'like this comment')
    await inTransaction(this.db, (trx) =>
      liked
        ? insertCommentLike(trx, user.id, comment.id)
        : deleteCommentLike(trx, user.id, comment.id),
    )
    return (await findComment(this.db, comment.id))?.likeCount ?? 0
  }

  async mute(user: User, key: string, muted: boolean): Promise<void> {
    const post = await livePost(this.db, key)
    await setConversationMuted(this.db, user.id, post.id, muted)
  }
}

/** Follow-up of a comment: conversations, and notifications to the owner and the mentioned. */
export async function afterComment(
  ctx: JobContext,
  payload: JobPayloads['after-comment'],
): Promise<void> {
  const comment = await findComment(ctx.db, payload.commentId)
  if (!comment) return
  const post = await findPost(ctx.db, comment.postId)
  if (!post) return
  await joinConversation(ctx.db, comment.userId, post.id)
  await joinConversation(ctx.db, post.userId, post.id)
  // After the joins, so the new participants' rows are raised too (see the function).
  await raiseConversationLatest(ctx.db, post.id)
  await insertNotification(ctx.db, {
    type: 'comment',
    senderId: comment.userId,
    receiverId: post.userId,
    actionId: comment.id,
  })
  for (const name of mentionedNames(comment.body)) {
    const mentioned = await findUserByName(ctx.db, name)
    if (!mentioned) continue
    await insertNotification(ctx.db, {
      type: 'mention',
      senderId: comment.userId,
      receiverId: mentioned.id,
      actionId: comment.id,
    })
  }
}
