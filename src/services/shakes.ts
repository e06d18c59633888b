// Group shakes: creating and editing them, their members (invited by the owner, or asking to
// join and approved), and putting posts in them or taking them out.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { isUniqueViolation } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import { enqueue } from '../jobs/enqueue.js'
import type { WorkSignal } from '../jobs/job-names.js'
import { probeImage, renderShakeImage, sniffImageFormat } from '../media/image-pipeline.js'
import { type TempUpload, tempPath } from '../media/temp-file.js'
import {
  addMember,
  addMembershipRequest,
  isMember,
  memberNames,
  membershipState,
  pendingNames,
  removeMember,
  takeMembershipRequest,
} from '../repositories/memberships.js'
import { insertLogEntry } from '../repositories/moderation-log.js'
import { insertNotification } from '../repositories/notifications.js'
import { placePostInShake, takePostOutOfShake } from '../repositories/posts.js'
import {
  type DirectoryEntry,
  findShakeByName,
  groupShakeDirectory,
  insertShake,
  type Shake,
  setShakeOwner,
  shakeNameTaken,
  shakesOwnedBy,
  updateShake,
} from '../repositories/shakes.js'
import { insertSubscription } from '../repositories/subscriptions.js'
import { findUserById, findUserByName, type User, userNameTaken } from '../repositories/users.js'
import type { FileStore } from '../storage/file-store.js'
import { shakeImageFile, shakeImageFiles } from '../storage/shake-image-files.js'
import { nameProblem } from './account-rules.js'
import { refuseIfBlocked } from './blocks.js'
import { ServiceError, ValidationError } from './errors.js'
import { queueMail } from './mail-delivery.js'
import { checkedModeratorNote } from './moderation-rules.js'
import { livePost } from './posts.js'
import { hasRole } from './roles.js'
import { canPostTo, postableShakes } from './shake-access.js'
import { shakeByAddressId } from './shake-by-id.js'
import { textProblem } from './text-rules.js'

export interface ShakeFields {
  name: string
  title: string
  description: string
}

const notFound = () => new ServiceError(404, 'There is no such shake.')

export class ShakeService {
  constructor(
    private readonly db: Database,
    private readonly store: FileStore,
    private readonly config: Pick<Config, 'images' | 'tmpDir'>,
    private readonly work: WorkSignal,
  ) {}

  async create(owner: User, input: ShakeFields): Promise<Shake> {
    const name = input.name.trim()
    const { fields, problems } = this.textOf(input)
    const problem = nameProblem(name)?.replace('User names', 'Shake names')
    if (problem) problems.name = problem
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)
    if ((await shakeNameTaken(this.db, name)) || (await userNameTaken(this.db, name))) {
      throw new ValidationError({ name: 'That name is taken; please choose another.' }, 409)
    }
    try {
      // The creator follows the group from the start (as in MLTSHP), so its posts reach their
      // timeline and they are counted among its followers: shake and follow commit together.
      await inTransaction(this.db, async (trx) => {
        const shakeId = await insertShake(trx, {
          userId: owner.id,
          type: 'group',
          name,
          title: fields.title,
          description: fields.description,
        })
        await insertSubscription(trx, owner.id, shakeId)
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ValidationError({ name: 'That name was just taken.' }, 409)
      throw error
    }
    return (await findShakeByName(this.db, name)) as Shake
  }

  /** The page of a group shake known by its id (notifications name shakes by id). */
  async pathOf(id: string): Promise<string> {
    const shake = await shakeByAddressId(this.db, id)
    if (shake.type !== 'group') throw notFound()
    return `/${encodeURIComponent(shake.name)}`
  }

  /** A group shake by name (user shakes live at /user/NAME). */
  async group(name: string): Promise<Shake> {
    const shake = name.length <= 64 ? await findShakeByName(this.db, name) : undefined
    if (shake?.type !== 'group') throw notFound()
    return shake
  }

  async update(user: User, name: string, input: Omit<ShakeFields, 'name'>): Promise<Shake> {
    const shake = await this.owned(user, name)
    const fields = this.checkedText(input)
    await updateShake(this.db, shake.id, {
      title: fields.title,
      description: fields.description,
    })
    return { ...shake, title: fields.title, description: fields.description }
  }

  /** The shake's picture: a 96×96 square and a 568-wide banner, without metadata. */
  async setImage(user: User, name: string, upload: TempUpload): Promise<void> {
    const shake = await this.owned(user, name)
    if (upload.size === 0) throw new ServiceError(400, 'That file is empty.')
    const info = await probeImage(
      upload.path,
      await sniffImageFormat(upload.path),
      this.config.images,
    )
    const small = await tempPath(this.config.tmpDir, '.jpg')
    const large = await tempPath(this.config.tmpDir, '.jpg')
    try {
      await renderShakeImage(upload.path, info, small.path, large.path)
      const digest = createHash('sha1')
        .update(await readFile(large.path))
        .digest('hex')
      const key = `s/${shake.id}/${digest}`
      await this.store.put(shakeImageFile(key, 96), small.path, 'image/jpeg')
      await this.store.put(shakeImageFile(key, 568), large.path, 'image/jpeg')
      await updateShake(this.db, shake.id, { imageKey: key })
      if (shake.imageKey && shake.imageKey !== key) {
        await this.store.delete(shakeImageFiles(shake.imageKey)).catch(() => {})
      }
    } finally {
      await small.cleanup()
      await large.cleanup()
    }
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

  members(shake: Shake): Promise<string[]> {
    return memberNames(this.db, shake.id)
  }

  pending(shake: Shake): Promise<{ invited: string[]; requested: string[] }> {
    return Promise.all([
      pendingNames(this.db, shake.id, 'invite'),
      pendingNames(this.db, shake.id, 'request'),
    ]).then(([invited, requested]) => ({ invited, requested }))
  }

  async relation(
    user: User | null,
    shake: Shake,
  ): Promise<'owner' | 'member' | 'invited' | 'requested' | 'none'> {
    if (!user) return 'none'
    if (shake.userId === user.id) return 'owner'
    // One query instead of up to three.
    const { member, invited, requested } = await membershipState(this.db, shake.id, user.id)
    if (member) return 'member'
    if (invited) return 'invited'
    if (requested) return 'requested'
    return 'none'
  }

  async invite(owner: User, name: string, inviteeName: string): Promise<void> {
    const shake = await this.owned(owner, name)
    const invitee =
      inviteeName.length <= 64 ? await findUserByName(this.db, inviteeName.trim()) : undefined
    if (!invitee) throw new ValidationError({ invitee: 'There is nobody by that name.' }, 404)
    if (invitee.id === owner.id || (await isMember(this.db, shake.id, invitee.id))) {
      throw new ValidationError({ invitee: `${invitee.name} can already post here.` }, 409)
    }
    await refuseIfBlocked(this.db, owner, [invitee.id], 'invite them')
    await this.ask(shake, invitee.id, 'invite', {
      type: 'invitation',
      from: owner.id,
      to: invitee.id,
      mail: 'shakeInvitation',
    })
  }

  async accept(user: User, name: string): Promise<void> {
    const shake = await this.group(name)
    const accepted = await inTransaction(this.db, async (trx) => {
      if (!(await takeMembershipRequest(trx, shake.id, user.id, 'invite'))) return false
      await addMember(trx, shake.id, user.id)
      await takeMembershipRequest(trx, shake.id, user.id, 'request')
      return true
    })
    if (!accepted) throw new ServiceError(403, 'There is no invitation to accept.')
  }

  async requestToJoin(user: User, name: string): Promise<void> {
    const shake = await this.group(name)
    if (shake.userId === user.id || (await isMember(this.db, shake.id, user.id))) return
    await refuseIfBlocked(this.db, user, [shake.userId], 'ask to join this shake')
    await this.ask(shake, user.id, 'request', {
      type: 'join_request',
      from: user.id,
      to: shake.userId,
      mail: 'shakeJoinRequest',
    })
  }

  /**
   * An invitation or a request to join: the pending row, the notification and the mail in one
   * transaction; asking again while one is pending changes nothing.
   */
  private async ask(
    shake: Shake,
    userId: number,
    kind: 'invite' | 'request',
    tell: {
      type: 'invitation' | 'join_request'
      from: number
      to: number
      mail: 'shakeInvitation' | 'shakeJoinRequest'
    },
  ): Promise<void> {
    const asked = await inTransaction(this.db, async (trx) => {
      if (!(await addMembershipRequest(trx, shake.id, userId, kind))) return false
      await insertNotification(trx, {
        type: tell.type,
        senderId: tell.from,
        receiverId: tell.to,
        actionId: shake.id,
      })
      await queueMail(trx, {
        mail: tell.mail,
        userId: tell.to,
        fromUserId: tell.from,
        shakeId: shake.id,
      })
      return true
    })
    if (asked) this.work.kick()
  }

  async decide(owner: User, name: string, userName: string, approve: boolean): Promise<void> {
    const shake = await this.owned(owner, name)
    const user = userName.length <= 64 ? await findUserByName(this.db, userName) : undefined
    if (!user) throw new ServiceError(404, 'There is nobody by that name.')
    const done = await inTransaction(this.db, async (trx) => {
      if (!(await takeMembershipRequest(trx, shake.id, user.id, 'request'))) return false
      if (approve) await addMember(trx, shake.id, user.id)
      return true
    })
    if (!done) throw new ServiceError(404, 'There is no such request.')
    if (approve) {
      await insertNotification(this.db, {
        type: 'join_approved',
        senderId: owner.id,
        receiverId: user.id,
        actionId: shake.id,
      })
    }
  }

  async quit(user: User, name: string): Promise<void> {
    const shake = await this.group(name)
    if (!(await removeMember(this.db, shake.id, user.id)))
      throw new ServiceError(404, 'You are not a member of this shake.')
  }

  async removeMember(owner: User, name: string, userName: string): Promise<void> {
    const shake = await this.owned(owner, name)
    const user = userName.length <= 64 ? await findUserByName(this.db, userName) : undefined
    if (!user || !(await removeMember(this.db, shake.id, user.id)))
      throw new ServiceError(404, 'That person is not a member.')
  }

  /** Puts one of the user's posts into another shake they may post to. */
  async addPost(user: User, key: string, name: string): Promise<void> {
    const post = await livePost(this.db, key)
    if (post.userId !== user.id)
      throw new ServiceError(403, 'Only the person who posted this can add it to shakes.')
    const shake = await this.any(name)
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
    const shake = await this.any(name)
    if (post.userId !== user.id && shake.userId !== user.id) {
      throw new ServiceError(
        403,
        'Only the poster or the shake owner can take a post out of a shake.',
      )
    }
    if (!(await takePostOutOfShake(this.db, shake.id, post.id)))
      throw new ServiceError(404, 'That post is not in that shake.')
  }

  /**
   * Hands a group shake to one of its members; the old owner stays on as a member. The owner
   * may, and so may a moderator (for an owner who left, say), which the moderation log records.
   */
  async transferOwnership(
    actor: User,
    name: string,
    heirName: string,
    noteInput: string,
  ): Promise<void> {
    const shake = await this.group(name)
    const byModerator = shake.userId !== actor.id
    if (byModerator && !hasRole(actor, 'moderator'))
      throw new ServiceError(403, 'Only the owner of this shake or a moderator can do that.')
    const note = checkedModeratorNote(noteInput, { required: false })
    const heir = heirName.length <= 64 ? await findUserByName(this.db, heirName.trim()) : undefined
    if (!heir) throw new ValidationError({ heir: 'There is nobody by that name.' }, 404)
    if (heir.id === shake.userId)
      throw new ValidationError({ heir: `${heir.name} already owns this shake.` }, 409)
    const previous = await findUserById(this.db, shake.userId)
    await inTransaction(this.db, async (trx) => {
      if (!(await removeMember(trx, shake.id, heir.id)))
        throw new ValidationError({ heir: `${heir.name} is not a member of this shake.` }, 409)
      await addMember(trx, shake.id, shake.userId)
      await setShakeOwner(trx, shake.id, heir.id)
      if (byModerator) {
        await insertLogEntry(trx, {
          moderatorId: actor.id,
          action: 'transfer_shake',
          targetUserId: heir.id,
          shakeId: shake.id,
          detail: `${previous?.name ?? `user #${shake.userId}`} -> ${heir.name}`,
          note,
        })
      }
    })
  }

  directory(order: 'newest' | 'followed' | 'active'): Promise<DirectoryEntry[]> {
    return groupShakeDirectory(this.db, order)
  }

  private async any(name: string): Promise<Shake> {
    const shake = name.length <= 64 ? await findShakeByName(this.db, name) : undefined
    if (!shake) throw notFound()
    return shake
  }

  private async owned(user: User, name: string): Promise<Shake> {
    const shake = await this.group(name)
    if (shake.userId !== user.id)
      throw new ServiceError(403, 'Only the owner of this shake can do that.')
    return shake
  }

  private checkedText(input: { title: string; description: string }) {
    const { fields, problems } = this.textOf(input)
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)
    return fields
  }

  private textOf(input: { title: string; description: string }) {
    const fields = { title: input.title.trim(), description: input.description.trim() }
    const problems: Record<string, string> = {}
    // A group is known by its title (MLTSHP's rule and message); trimmed, so spaces are blank.
    const title =
      fields.title === '' ? "Title can't be blank." : textProblem('Titles', fields.title, 128)
    if (title) problems.title = title
    const description = textProblem('Descriptions', fields.description, 255)
    if (description) problems.description = description
    return { fields, problems }
  }
}
