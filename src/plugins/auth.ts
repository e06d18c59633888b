// Who is signed in: loads request.user from the session on every request, renews a signed-in
// session's expiry at most once a day, and offers the helpers routes use to sign a user in
// or out and to require one.
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../db/schema.js'
import type { User } from '../repositories/users.js'
import { assertRole } from '../services/roles.js'
import { sessionIdHash } from './session-store.js'

const RENEW_AFTER_MS = 24 * 3600 * 1000

export default fp(
  async (app) => {
    app.decorateRequest('user', null)

    app.addHook('onRequest', async (request) => {
      const userId = request.session.userId
      if (userId === undefined) return
      const user =
        app.sessionStore.takeUser(request.session.sessionId, userId) ??
        (await app.accounts.findUser(userId))
      if (!user) {
        // The account is gone: this session no longer means anything.
        await request.session.destroy()
        return
      }
      request.user = user
      const renewedAt = request.session.renewedAt ?? 0
      if (Date.now() - renewedAt > RENEW_AFTER_MS) {
        request.session.renewedAt = Date.now()
        request.session.touch()
      }
    })
  },
  { name: 'auth', dependencies: ['session', 'services'] },
)

/** A fresh session id for the signed-in user (no session fixation), keeping nothing else. */
export async function signIn(request: FastifyRequest, userId: number): Promise<void> {
  await request.session.regenerate()
  request.session.userId = userId
  request.session.renewedAt = Date.now()
}

export async function signOut(request: FastifyRequest): Promise<void> {
  await request.session.destroy()
}

/** The hash under which the current session is stored, to keep it when revoking others. */
export function currentSessionHash(request: FastifyRequest): string | undefined {
  return request.session?.sessionId ? sessionIdHash(request.session.sessionId) : undefined
}

/** preHandler for pages that need a signed-in user: others go to sign in and come back. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.user) return
  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`)
  }
  return reply.code(401).send({ error: 'Please sign in first.' })
}

/**
 * preHandler for moderation and operator routes: a visitor is sent to sign in as by
 * requireUser; a signed-in user without the role (or a higher one) gets 403.
 */
export function requireRole(role: Role) {
  return async function requireRoleHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (!request.user) return requireUser(request, reply)
    assertRole(request.user, role)
  }
}

export function signedInUser(request: FastifyRequest): User {
  if (!request.user) throw new Error('requireUser must run before this handler')
  return request.user
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null
  }
}
