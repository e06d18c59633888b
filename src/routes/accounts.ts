// Signing up, in and out, and confirming an email address.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireUser, signedInUser, signIn, signOut } from '../plugins/auth.js'
import { retryAfter } from '../plugins/errors.js'
import { limitedPerUser, limitedTo } from '../plugins/rate-limit.js'
import { ServiceError, TooManyRequestsError, ValidationError } from '../services/errors.js'
import { KNOWN_DEVICE_DAYS } from '../services/known-devices.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { queryField } from './form-fields.js'
import { formBody, formValues, nextForm, tokenParams } from './schemas.js'

const signInForm = formBody('name', 'password', 'next')
const createAccountForm = formBody('name', 'email', 'password', 'password_again')

const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const limits = app.config.rateLimits
  // The browser's proof that it signed in to an account before (services/known-devices.ts).
  const https = app.config.baseUrl.startsWith('https:')
  const knownDevice = {
    name: https ? '__Host-known-device' : 'known_device',
    options: {
      path: '/',
      httpOnly: true,
      secure: https,
      sameSite: 'lax' as const,
      maxAge: KNOWN_DEVICE_DAYS * 24 * 3600,
    },
  }

  app.get('/sign-in', async (request, reply) => {
    const next = safeNextPath(queryField(request, 'next'))
    if (request.user) return reply.redirect(next)
    return reply.page('sign-in', { next, values: {} })
  })

  const signingIn = { schema: { body: signInForm }, config: limitedTo(limits.signIn) }
  app.post('/sign-in', signingIn, async (request, reply) => {
    const form = formValues(signInForm, request.body)
    const next = safeNextPath(form.next)
    try {
      const { userId, deviceToken } = await app.accounts.authenticate(
        form.name,
        form.password,
        request.cookies[knownDevice.name],
      )
      await signIn(request, userId)
      reply.setCookie(knownDevice.name, deviceToken, knownDevice.options)
      return reply.redirect(next, 303)
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        retryAfter(reply, error)
        const message = `${error.message} If you forgot your password, you can choose a new one.`
        return reply.page('sign-in', { next, values: {}, error: message }, error.statusCode)
      }
      if (!(error instanceof ServiceError)) throw error
      return reply.page(
        'sign-in',
        { next, values: { name: form.name.slice(0, 255) }, error: error.message },
        error.status,
      )
    }
  })

  app.post('/sign-out', async (request, reply) => {
    await signOut(request)
    return reply.redirect('/', 303)
  })

  app.get('/create-account', async (request, reply) => {
    if (request.user) return reply.redirect('/')
    return reply.page('create-account', { values: {}, errors: {} })
  })

  app.post(
    '/create-account',
    { schema: { body: createAccountForm }, config: limitedTo(limits.createAccount) },
    async (request, reply) => {
      const form = formValues(createAccountForm, request.body)
      try {
        const user = await app.accounts.signUp({
          name: form.name,
          email: form.email,
          password: form.password,
          passwordAgain: form.password_again,
        })
        // The same answer whether or not the address already had an account (its owner was
        // mailed instead): a fresh session either way, the same message, the same page.
        if (user) await signIn(request, user.id)
        else await request.session.regenerate()
        request.flash(
          'success',
          `We sent a message to ${form.email.trim().slice(0, 300)}: open the link in it to confirm your address.`,
        )
        return reply.redirect('/create-account/check-your-mail', 303)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        // Echo back what was typed (never the passwords), cut to a sane length.
        const values = { name: form.name.slice(0, 100), email: form.email.slice(0, 300) }
        return reply.page('create-account', { values, errors: error.fields }, error.status)
      }
    },
  )

  app.get('/create-account/check-your-mail', (_request, reply) => reply.page('check-your-mail', {}))

  app.get('/verify-email/:token', { schema: { params: tokenParams } }, async (request, reply) => {
    try {
      const user = await app.accounts.verifyEmail(request.params.token)
      return reply.page('email-verified', { verifiedUser: user })
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error
      return reply.page(
        'error',
        { title: 'That link did not work', message: error.message },
        error.status,
      )
    }
  })

  app.post(
    '/account/settings/resend-verification',
    // Each sends a mail, to an address nobody has confirmed yet: the budget of reset links.
    {
      schema: { body: nextForm },
      preHandler: requireUser,
      config: limitedPerUser(app.config.rateLimits.forgotPassword),
    },
    async (request, reply) => {
      const user = signedInUser(request)
      if (await app.accounts.resendVerification(user)) {
        request.flash(
          'success',
          `We sent a new confirmation link to ${user.email}. Earlier links no longer work.`,
        )
      }
      const { next } = formValues(nextForm, request.body)
      return reply.redirect(safeNextPath(next, '/account/settings'), 303)
    },
  )
}

export default accountRoutes
