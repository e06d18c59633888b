// The rules of accounts: signing up, signing in, verifying an address, resetting and changing
// a password, editing the profile. No HTTP here: routes parse the form and call one method.
import type { Database } from '../db/database.js'
import { isUniqueViolation } from '../db/dialect.js'
import { inTransaction } from '../db/transaction.js'
import type { WorkSignal } from '../jobs/job-names.js'
import { replaceNameWords } from '../repositories/search.js'
import { deleteUserSessions } from '../repositories/sessions.js'
import {
  findPersonalShakeByUserName,
  insertShake,
  type Shake,
  shakeNameTaken,
} from '../repositories/shakes.js'
import { consumeToken, deleteUserTokens, findLiveToken } from '../repositories/tokens.js'
import {
  confirmEmail,
  findCredentialsByLogin,
  findHashedPassword,
  findUserByEmail,
  findUserById,
  findUserByName,
  insertUser,
  setAutoplayVideo,
  setMailNotifications,
  type User,
  updateEmail,
  updatePassword,
  updateProfile,
  userNameTaken,
} from '../repositories/users.js'
import {
  ABOUT_MAX,
  EMAIL_MAX,
  emailProblem,
  FULL_NAME_MAX,
  nameProblem,
  normalizeEmail,
  websiteProblem,
} from './account-rules.js'
import { ServiceError, ValidationError } from './errors.js'
import type { KnownDevices } from './known-devices.js'
import { queueMail } from './mail-delivery.js'
import {
  burnPasswordCheck,
  hashPassword,
  passwordCheckable,
  passwordProblem,
  verifyPassword,
} from './passwords.js'
import { searchWords } from './search-query.js'
import type { UserChanges } from './session-cache.js'
import { SignInBrakeError, type SignInThrottle } from './sign-in-throttle.js'
import { textProblem } from './text-rules.js'
import { looksLikeToken, sha256Hex } from './tokens.js'

export const SIGN_IN_FAILED = 'That user name or email and password do not match an account.'
export const LINK_INVALID = 'This link is invalid, has expired or was already used.'

export interface SignUpInput {
  name: string
  email: string
  password: string
  passwordAgain: string
}

export interface ProfileInput {
  fullName: string
  about: string
  website: string
}

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly work: WorkSignal,
    private readonly signIns: { throttle: SignInThrottle; devices: KnownDevices },
    /** Told of every change to a user's row, once committed: nodes drop their copies of it. */
    private readonly users: UserChanges,
  ) {}

  /**
   * Creates the user and their personal shake, and mails a verification link. An address
   * that already has an account gets no second one: its owner is mailed instead, and the
   * caller answers exactly as for a new address, so sign-up does not tell a stranger which
   * addresses have accounts. Returns the new user, or undefined when the address was taken.
   */
  async signUp(input: SignUpInput): Promise<User | undefined> {
    const name = input.name.trim()
    const email = normalizeEmail(input.email)
    const problems: Record<string, string> = {}
    const nameIssue = nameProblem(name)
    if (nameIssue) problems.name = nameIssue
    const emailIssue = emailProblem(email)
    if (emailIssue) problems.email = emailIssue
    const passwordIssue = await passwordProblem(input.password)
    if (passwordIssue) problems.password = passwordIssue
    else if (input.password !== input.passwordAgain)
      problems.password_again = 'The two passwords differ.'
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)

    // Names are public (every profile shows one), so a taken name may be said.
    if ((await userNameTaken(this.db, name)) || (await shakeNameTaken(this.db, name))) {
      throw new ValidationError({ name: 'That name is taken; please choose another.' }, 409)
    }
    // Hashed either way, so that a taken address takes as long to answer as a new one.
    const hashedPassword = await hashPassword(input.password)
    const owner = await findUserByEmail(this.db, email)
    if (owner) return this.mailOwnerOfTakenAddress(owner.id)
    let userId: number
    try {
      userId = await this.db.transaction().execute(async (trx) => {
        const id = await insertUser(trx, { name, email, hashedPassword })
        await insertShake(trx, { userId: id, type: 'user', name, title: name })
        await queueMail(trx, { mail: 'verifyEmail', userId: id, email })
        return id
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      // Someone took the name or the address between our check and the insert.
      const raced = await findUserByEmail(this.db, email)
      if (raced) return this.mailOwnerOfTakenAddress(raced.id)
      throw new ValidationError({ name: 'That name was just taken; please choose another.' }, 409)
    }
    this.work.kick()
    return this.requireUser(userId)
  }

  private async mailOwnerOfTakenAddress(ownerId: number): Promise<undefined> {
    await queueMail(this.db, { mail: 'signUpAttempt', userId: ownerId })
    this.work.kick()
    return undefined
  }

  /**
   * Returns the user id when the name (or email) and password match, and the known-device
   * token the browser keeps from now on. Every try passes the sign-in throttle first: past a
   * few failures in a row it answers SignInBrakeError without checking the password, and the
   * try that locks an account mails its owner.
   */
  async authenticate(
    login: string,
    password: string,
    deviceToken?: string,
  ): Promise<{ userId: number; deviceToken: string }> {
    const trimmed = login.trim()
    if (trimmed.length === 0 || trimmed.length > EMAIL_MAX || !passwordCheckable(password)) {
      throw new ServiceError(401, SIGN_IN_FAILED)
    }
    const normalized = trimmed.includes('@') ? normalizeEmail(trimmed) : trimmed
    const credentials = await findCredentialsByLogin(this.db, normalized)
    // An unknown login is braked under its own name, exactly as an account is.
    const accountKey = credentials
      ? `account:${credentials.id}`
      : `login:${normalized.toLowerCase()}`
    const nonce = credentials && this.signIns.devices.nonceFor(deviceToken, credentials.id)
    const key = nonce ? `device:${credentials.id}:${nonce}` : accountKey
    try {
      await this.signIns.throttle.begin(key)
    } catch (error) {
      // The try that locks an account tells its owner (a known browser's lock is its own).
      if (error instanceof SignInBrakeError && error.locked && credentials && !nonce) {
        await queueMail(this.db, { mail: 'signInLocked', userId: credentials.id })
        this.work.kick()
      }
      throw error
    }
    if (!credentials) {
      await burnPasswordCheck(password)
      throw new ServiceError(401, SIGN_IN_FAILED)
    }
    if (!(await verifyPassword(credentials.hashedPassword, password))) {
      throw new ServiceError(401, SIGN_IN_FAILED)
    }
    await this.signIns.throttle.forgive(key, accountKey)
    return {
      userId: credentials.id,
      deviceToken: nonce && deviceToken ? deviceToken : this.signIns.devices.issue(credentials.id),
    }
  }

  /** Mails a new confirmation link unless the address is already confirmed (the job mints it). */
  async resendVerification(user: User): Promise<boolean> {
    if (user.emailConfirmed) return false
    await queueMail(this.db, { mail: 'verifyEmail', userId: user.id, email: user.email })
    this.work.kick()
    return true
  }

  /** Confirms the address the link was sent to, if it is still the user's address. */
  async verifyEmail(token: string): Promise<User> {
    const live = looksLikeToken(token)
      ? await findLiveToken(this.db, 'verify_email', sha256Hex(token))
      : undefined
    if (!live?.email || !(await consumeToken(this.db, live.id)))
      throw new ServiceError(400, LINK_INVALID)
    if (!(await confirmEmail(this.db, live.userId, live.email))) {
      throw new ServiceError(400, 'This link was for an address you no longer use.')
    }
    await this.users.userChanged(live.userId)
    return this.requireUser(live.userId)
  }

  /** Mails a reset link if the address has an account. Says nothing either way. */
  async requestPasswordReset(rawEmail: string): Promise<void> {
    const email = normalizeEmail(rawEmail)
    if (emailProblem(email)) return
    const user = await findUserByEmail(this.db, email)
    if (!user) return
    await queueMail(this.db, { mail: 'resetPassword', userId: user.id })
    this.work.kick()
  }

  /** True when the reset link can still be used (for showing the form). */
  async resetTokenIsLive(token: string): Promise<boolean> {
    return (
      looksLikeToken(token) &&
      (await findLiveToken(this.db, 'reset_password', sha256Hex(token))) !== undefined
    )
  }

  /** Sets a new password from a reset link and signs the user out everywhere. */
  async resetPassword(token: string, password: string, passwordAgain: string): Promise<User> {
    const problem = await passwordProblem(password)
    if (problem) throw new ValidationError({ password: problem })
    if (password !== passwordAgain)
      throw new ValidationError({ password_again: 'The two passwords differ.' })
    const live = looksLikeToken(token)
      ? await findLiveToken(this.db, 'reset_password', sha256Hex(token))
      : undefined
    if (!live || !(await consumeToken(this.db, live.id))) throw new ServiceError(400, LINK_INVALID)
    await this.replacePassword(live.userId, password)
    // The link reached the owner's inbox: whatever locked the account is over.
    await this.signIns.throttle.forgive(`account:${live.userId}`)
    const user = await this.requireUser(live.userId)
    // The link reached the inbox, which proves the address.
    if (live.email === user.email && !user.emailConfirmed) {
      await confirmEmail(this.db, user.id, user.email)
      await this.users.userChanged(user.id)
      return this.requireUser(user.id)
    }
    return user
  }

  /** Changes the password after checking the current one; other sessions are signed out. */
  async changePassword(
    userId: number,
    input: { current: string; password: string; passwordAgain: string },
    keepSessionHash: string | undefined,
  ): Promise<void> {
    await this.checkCurrentPassword(userId, input.current)
    const problem = await passwordProblem(input.password)
    if (problem) throw new ValidationError({ password: problem })
    if (input.password !== input.passwordAgain) {
      throw new ValidationError({ password_again: 'The two passwords differ.' })
    }
    await this.replacePassword(userId, input.password, keepSessionHash)
  }

  /** Changes the address (after checking the password) and mails a new verification link. */
  async changeEmail(userId: number, rawEmail: string, currentPassword: string): Promise<User> {
    const email = normalizeEmail(rawEmail)
    const problem = emailProblem(email)
    if (problem) throw new ValidationError({ email: problem })
    const user = await this.requireUser(userId)
    if (email === user.email) return user
    await this.checkCurrentPassword(userId, currentPassword)
    const owner = await findUserByEmail(this.db, email)
    if (owner)
      throw new ValidationError({ email: 'Another account already uses that address.' }, 409)
    try {
      await inTransaction(this.db, async (trx) => {
        await updateEmail(trx, userId, email)
        await queueMail(trx, { mail: 'verifyEmail', userId, email })
      })
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ValidationError({ email: 'Another account already uses that address.' }, 409)
      }
      throw error
    }
    await this.users.userChanged(userId)
    this.work.kick()
    return this.requireUser(userId)
  }

  async updateProfile(userId: number, input: ProfileInput): Promise<void> {
    const fields = {
      fullName: input.fullName.trim(),
      about: input.about.trim(),
      website: input.website.trim(),
    }
    const problems: Record<string, string> = {}
    const fullNameIssue = textProblem('Full names', fields.fullName, FULL_NAME_MAX)
    if (fullNameIssue) problems.full_name = fullNameIssue
    const aboutIssue = textProblem('About', fields.about, ABOUT_MAX)
    if (aboutIssue) problems.about = aboutIssue
    const websiteIssue = websiteProblem(fields.website)
    if (websiteIssue) problems.website = websiteIssue
    if (Object.keys(problems).length > 0) throw new ValidationError(problems)
    // The words people search find them by change with the full name.
    await inTransaction(this.db, async (trx) => {
      await updateProfile(trx, userId, fields)
      await replaceNameWords(trx, userId, searchWords(fields.fullName))
    })
    await this.users.userChanged(userId)
  }

  /** Whether the user gets mail about invitations and requests (account mail always goes). */
  async setMailNotifications(userId: number, enabled: boolean): Promise<void> {
    await setMailNotifications(this.db, userId, enabled)
    await this.users.userChanged(userId)
  }

  async setAutoplayVideo(userId: number, enabled: boolean): Promise<void> {
    await setAutoplayVideo(this.db, userId, enabled)
    await this.users.userChanged(userId)
  }

  findUser(id: number): Promise<User | undefined> {
    return findUserById(this.db, id)
  }

  /** The user and their personal shake, for the profile page. */
  async profile(name: string): Promise<{ user: User; shake: Shake | undefined } | undefined> {
    if (name.length > 64) return undefined
    const [user, shake] = await Promise.all([
      findUserByName(this.db, name),
      findPersonalShakeByUserName(this.db, name),
    ])
    return user && { user, shake }
  }

  private async requireUser(id: number): Promise<User> {
    const user = await findUserById(this.db, id)
    if (!user) throw new ServiceError(404, 'No such user.')
    return user
  }

  /** Throws a 403 ValidationError (field current_password) unless the password is right. */
  async checkCurrentPassword(userId: number, password: string): Promise<void> {
    const hashed = await findHashedPassword(this.db, userId)
    if (!hashed || !passwordCheckable(password) || !(await verifyPassword(hashed, password))) {
      throw new ValidationError({ current_password: 'Your current password is not right.' }, 403)
    }
  }

  private async replacePassword(
    userId: number,
    password: string,
    keepSessionHash?: string,
  ): Promise<void> {
    const hashed = await hashPassword(password)
    await inTransaction(this.db, async (trx) => {
      await updatePassword(trx, userId, hashed)
      await deleteUserSessions(trx, userId, keepSessionHash)
      await deleteUserTokens(trx, userId, 'reset_password')
      await queueMail(trx, { mail: 'passwordChanged', userId })
    })
    // The sessions just deleted, and the copies other nodes keep of them.
    await this.users.userChanged(userId)
    this.work.kick()
  }
}
