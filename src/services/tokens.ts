// One-time tokens for links sent by mail: random from a CSPRNG, stored only as a hash.
import { createHash, randomBytes } from 'node:crypto'

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: sha256Hex(token) }
}

/** Tokens are 43 base64url characters; anything else cannot be one and is not looked up. */
export function looksLikeToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value)
}
