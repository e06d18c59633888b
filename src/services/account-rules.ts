// What makes a user name, an email address or a profile field acceptable. Pure functions:
// each returns a message for the user, or undefined when the value is fine.
import { isReservedName } from './reserved-names.js'

export const NAME_MAX = 30
export const EMAIL_MAX = 255
export const FULL_NAME_MAX = 100
export const ABOUT_MAX = 255
export const WEBSITE_MAX = 255

export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Please choose a user name.'
  if (name.length > NAME_MAX) return `User names can be at most ${NAME_MAX} characters.`
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    return 'User names may use only letters, digits, underscores and hyphens.'
  }
  if (isReservedName(name)) return 'That name is reserved; please choose another.'
  return undefined
}

/** Addresses are compared and stored in lower case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function emailProblem(email: string): string | undefined {
  if (email.length === 0) return 'Please enter your email address.'
  if (email.length > EMAIL_MAX) return `Email addresses can be at most ${EMAIL_MAX} characters.`
  // Deliberately loose: the verification mail is the real test of an address.
  if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>".]+$/.test(email)) {
    return 'That does not look like an email address.'
  }
  return undefined
}

export function websiteProblem(website: string): string | undefined {
  if (website === '') return undefined
  if (website.length > WEBSITE_MAX) return `Websites can be at most ${WEBSITE_MAX} characters.`
  let url: URL
  try {
    url = new URL(website)
  } catch {
    return 'Websites must be a full address starting with http:// or https://.'
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname.includes('.')) {
    return 'Websites must be a full address starting with http:// or https://.'
  }
  return undefined
}
