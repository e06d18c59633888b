// Who belongs to a group shake: its members, invitations from the owner and requests to join
// (the owner approves or declines), leaving, and handing the shake to another member.
import type { Database } from '../db/database.js'
import { inTransaction } from '../db/transaction.js'
import type { WorkSignal } from '../jobs/job-names.js'
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
import { type Shake, setShakeOwner } from '../repositories/shakes.js'
import { findUserById, findUserByName, type User } from '../repositories/users.js'
import { refuseIfBlocked } from './blocks.js'
import { ServiceError, ValidationError } from './errors.js'
import { queueMail } from './mail-delivery.js'
import { checkedModeratorNote } from './moderation-rules.js'
import { hasRole } from './roles.js'
import { groupShakeNamed, ownedGroupShake } from './shake-by-name.js'

export class ShakeMembershipService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
  ) {}

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
    const shake = await ownedGroupShake(this.db, owner, name)
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
    const shake = await groupShakeNamed(this.db, name)
    const accepted = await inTransaction(this.db, async (trx) => {
      if (!(await takeMembershipRequest(trx, shake.id, user.id, 'invite'))) return false
      await addMember(trx, shake.id, user.id)
      await takeMembershipRequest(trx, shake.id, user.id, 'request')
      return true
    })
    if (!accepted) throw new ServiceError(403, 'There is no invitation to accept.')
  }

  async requestToJoin(user: User, name: string): Promise<void> {
    const shake = await groupShakeNamed(this.db, name)
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
    const shake = await ownedGroupShake(this.db, owner, name)
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
    const shake = await groupShakeNamed(this.db, name)
    if (!(await removeMember(this.db, shake.id, user.id)))
      throw new ServiceError(404, 'You are not a member of this shake.')
  }

  async removeMember(owner: User, name: string, userName: string): Promise<void> {
    const shake = await ownedGroupShake(this.db, owner, name)
    const user = userName.length <= 64 ? await findUserByName(this.db, userName) : undefined
    if (!user || !(await removeMember(this.db, shake.id, user.id)))
      throw new ServiceError(404, 'That person is not a member.')
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
    const shake = await groupShakeNamed(this.db, name)
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
}
