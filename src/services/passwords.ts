// Password hashing (argon2id) and the rules a new password must meet.
import { hash, verify } from '@node-rs/argon2'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 1024

// OWASP's minimum argon2id parameters: 19 MiB, two passes, one lane.
const ARGON2ID = 2
const options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

let commonPasswords: Promise<Set<string>> | undefined

/**
 * The common-password list, loaded when a password is first chosen: the dictionaries module is
 * about 10 MB resident, which a web process that only serves pages never needs.
 */
function loadCommonPasswords(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) =>
      // Passwords shorter than the minimum are refused anyway, so only longer ones are kept.
      new Set((dictionary['passwords-common'] as string[]).filter((p) => p.length >= PASSWORD_MIN)),
  )
  return commonPasswords
}

/** Why the password cannot be used, or undefined when it can. Cheap: runs before hashing. */
export async function passwordProblem(password: string): Promise<string | undefined> {
  // Count code points, but bail out on absurd input before spreading it.
  if (password.length > PASSWORD_MAX * 2)
    return `Passwords can be at most ${PASSWORD_MAX} characters.`
  const length = [...password].length
  if (length < PASSWORD_MIN) return `Passwords need at least ${PASSWORD_MIN} characters.`
  if (length > PASSWORD_MAX) return `Passwords can be at most ${PASSWORD_MAX} characters.`
  if ((await loadCommonPasswords()).has(password.toLowerCase())) {
    return 'That password is one of the most common ones; please choose another.'
  }
  return undefined
}

/** True when the password could be checked against a hash at all (not absurdly long). */
export function passwordCheckable(password: string): boolean {
  return password.length > 0 && password.length <= PASSWORD_MAX * 2
}

export function hashPassword(password: string): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: the library's Algorithm is an ambient const enum
  return hash(password, options as any)
}

export function verifyPassword(hashed: string, password: string): Promise<boolean> {
  return verify(hashed, password)
}

// Checked when the user does not exist, so that an unknown name costs as much as a wrong password.
let dummyHash: Promise<string> | undefined
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('dummy password for timing')
  await verify(await dummyHash, password)
}
