// Who may do what beyond a member: moderators moderate, admins also run the site. Each role
// includes the ones below it.
import type { Role } from '../db/schema.js'
import type { User } from '../repositories/users.js'
import { ServiceError } from './errors.js'

export const roles: readonly Role[] = ['member', 'moderator', 'admin']

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value)
}

export function hasRole(user: Pick<User, 'role'> | null | undefined, role: Role): boolean {
  return user ? roles.indexOf(user.role) >= roles.indexOf(role) : false
}

/** Refuses with 403 unless the user holds the role (or a higher one). */
export function assertRole(user: Pick<User, 'role'>, role: Role): void {
  if (!hasRole(user, role)) {
    throw new ServiceError(
      403,
      role === 'admin'
        ? 'This page is for the operators of the site.'
        : 'This is for the moderators of the site.',
    )
  }
}
