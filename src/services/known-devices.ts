// A browser that signed in to an account before carries a signed token for it (a "device
// cookie", as OWASP's guidance on brute force calls it). Failed sign-ins from that browser are
// braked on a key of their own, so a flood of guesses from elsewhere cannot lock the owner out
// of the browser they use. The token holds no secret of the account: an id, a random nonce and
// an HMAC under the session secret, nothing stored on the server.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const KNOWN_DEVICE_DAYS = 365

export class KnownDevices {
  constructor(private readonly secret: string) {}

  /** A new token naming this account, for a browser that just signed in to it. */
  issue(userId: number): string {
    const body = `${userId}.${randomBytes(12).toString('base64url')}`
    return `${body}.${this.sign(body)}`
  }

  /** The nonce of a genuine token for this account, or undefined for anything else. */
  nonceFor(token: string | undefined, userId: number): string | undefined {
    if (!token || token.length > 200) return undefined
    const [id, nonce, signature] = token.split('.')
    if (id !== String(userId) || !nonce || !signature) return undefined
    const expected = Buffer.from(this.sign(`${id}.${nonce}`))
    const given = Buffer.from(signature)
    return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : undefined
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`known-device:${body}`).digest('base64url')
  }
}
