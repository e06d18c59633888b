// The signed-in user's account settings: email, password and public profile.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireUser, signedInUser, signIn } from '../plugins/auth.js'
import { ValidationError } from '../services/errors.js'
import { formBody, formValues } from './schemas.js'

/** One page, two forms: `form` says which (email, or password and preferences). */
const settingsForm = formBody(
  'form',
  'email',
  'current_password',
  'password',
  'password_again',
  'autoplay',
)
const profileForm = formBody('full_name', 'about', 'website')

const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', requireUser)

  // MLTSHP's list of the shakes one may post to, for scripts: {result: [{id, name, type}]}.
  app.get('/account/shakes', async (request, reply) => {
    const shakes = await app.shakes.postable(signedInUser(request))
    return reply.send({
      result: shakes.map((s) => ({ id: s.id, name: s.title || s.name, type: s.type })),
    })
  })

  app.get('/account/settings', async (request, reply) =>
    reply.page('settings', { values: { email: signedInUser(request).email }, errors: {} }),
  )

  app.post('/account/settings', { schema: { body: settingsForm } }, async (request, reply) => {
    const user = signedInUser(request)
    const form = formValues(settingsForm, request.body)
    try {
      if (form.form === 'email') {
        const updated = await app.accounts.changeEmail(user.id, form.email, form.current_password)
        if (updated.email !== user.email) {
          request.flash(
            'success',
            `Your address is now ${updated.email}. We sent a link there to confirm it.`,
          )
        }
      } else if (form.form === 'mail') {
        await app.accounts.setMailNotifications(user.id, form.email === 'on')
        request.flash(
          'success',
          form.email === 'on' ? 'You will get mail about shakes.' : 'No more mail about shakes.',
        )
      } else if (form.form === 'video') {
        const autoplay = form.autoplay === 'on'
        await app.accounts.setAutoplayVideo(user.id, autoplay)
        request.flash(
          'success',
          autoplay
            ? 'Animated images play by themselves.'
            : 'Animated images wait for you to play them.',
        )
      } else if (form.form === 'password') {
        await app.accounts.changePassword(
          user.id,
          {
            current: form.current_password,
            password: form.password,
            passwordAgain: form.password_again,
          },
          undefined,
        )
        // Every session was revoked; this one continues under a fresh id.
        await signIn(request, user.id)
        request.flash('success', 'Your password is changed. Other devices were signed out.')
      } else {
        return reply.page('error', { title: 'Sorry', message: 'That form could not be read.' }, 400)
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const values = { email: form.form === 'email' ? form.email.slice(0, 300) : user.email }
      return reply.page(
        'settings',
        { values, errors: error.fields, failedForm: form.form },
        error.status,
      )
    }
    return reply.redirect('/account/settings', 303)
  })

  app.get('/account/settings/profile', async (request, reply) => {
    const user = signedInUser(request)
    const values = { full_name: user.fullName, about: user.about, website: user.website }
    return reply.page('profile-settings', { values, errors: {} })
  })

  const profile = { schema: { body: profileForm } }
  app.post('/account/settings/profile', profile, async (request, reply) => {
    const user = signedInUser(request)
    const form = formValues(profileForm, request.body)
    try {
      await app.accounts.updateProfile(user.id, {
        fullName: form.full_name,
        about: form.about,
        website: form.website,
      })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const values = {
        full_name: form.full_name.slice(0, 200),
        about: form.about.slice(0, 1000),
        website: form.website.slice(0, 1000),
      }
      return reply.page('profile-settings', { values, errors: error.fields }, error.status)
    }
    request.flash('success', 'Your profile is saved.')
    return reply.redirect(`/user/${user.name}`, 303)
  })
}

export default settingsRoutes
