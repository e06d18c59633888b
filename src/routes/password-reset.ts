// Forgotten passwords: ask for a link by mail, then choose a new password from it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { limitedTo } from '../plugins/rate-limit.js'
import { LINK_INVALID } from '../services/accounts.js'
import { ServiceError, ValidationError } from '../services/errors.js'
import { formBody, formValues, tokenParams } from './schemas.js'

const forgotForm = formBody('email')
const resetForm = formBody('password', 'password_again')

const passwordResetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/account/forgot-password', async (_request, reply) => reply.page('forgot-password'))

  app.post(
    '/account/forgot-password',
    { schema: { body: forgotForm }, config: limitedTo(app.config.rateLimits.forgotPassword) },
    async (request, reply) => {
      const { email } = formValues(forgotForm, request.body)
      // The same answer whether or not the address has an account.
      await app.accounts.requestPasswordReset(email)
      return reply.page('forgot-password-sent')
    },
  )

  app.get(
    '/account/reset-password/:token',
    { schema: { params: tokenParams } },
    async (request, reply) => {
      reply.header('referrer-policy', 'no-referrer')
      if (!(await app.accounts.resetTokenIsLive(request.params.token))) {
        return reply.page('error', { title: 'That link did not work', message: LINK_INVALID }, 400)
      }
      return reply.page('reset-password', { token: request.params.token, errors: {} })
    },
  )

  app.post(
    '/account/reset-password/:token',
    { schema: { params: tokenParams, body: resetForm } },
    async (request, reply) => {
      reply.header('referrer-policy', 'no-referrer')
      const form = formValues(resetForm, request.body)
      try {
        await app.accounts.resetPassword(request.params.token, form.password, form.password_again)
      } catch (error) {
        if (error instanceof ValidationError) {
          return reply.page(
            'reset-password',
            { token: request.params.token, errors: error.fields },
            error.status,
          )
        }
        if (error instanceof ServiceError) {
          return reply.page(
            'error',
            { title: 'That link did not work', message: error.message },
            error.status,
          )
        }
        throw error
      }
      // Every session of that user was revoked; start this browser afresh.
      await request.session.regenerate()
      request.flash('success', 'Your password is changed. Sign in with the new one.')
      return reply.redirect('/sign-in', 303)
    },
  )
}

export default passwordResetRoutes
