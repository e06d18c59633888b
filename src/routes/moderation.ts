// Moderators' pages: a person's dossier, image takedown, the report queue and the moderation
// log; admins also set roles. (Marking a person NSFW: routes/nsfw.ts.)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireRole, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { queryField } from './form-fields.js'
import { presentPost } from './post-presentation.js'
import { formBody, formValues, nameParams } from './schemas.js'

/** A deletion is confirmed by typing the name again (confirm), and logged with a note. */
const deleteForm = formBody('note', 'confirm')
const roleForm = formBody('role', 'note')
const takedownForm = formBody('key', 'note')
const settleForm = formBody('note', 'next')

const moderationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl
  const moderator = { preHandler: requireRole('moderator') }

  app.get('/admin', moderator, (_request, reply) => reply.redirect('/admin/reports'))

  app.get('/admin/users', moderator, (request, reply) => {
    const name = queryField(request, 'name').trim()
    return reply.redirect(name ? `/admin/users/${encodeURIComponent(name)}` : '/admin/reports')
  })

  app.get(
    '/admin/users/:name',
    { ...moderator, schema: { params: nameParams } },
    async (request, reply) => {
      const dossier = await app.moderation.dossier(signedInUser(request), request.params.name)
      return reply.header('cache-control', 'no-store').page('admin-user', {
        ...dossier,
        posts: dossier.posts.map((post) => presentPost(post, filesBase)),
      })
    },
  )

  // The account is signed out at once; the deletion job erases it (services/account-deletion.ts).
  const deleting = { ...moderator, schema: { params: nameParams, body: deleteForm } }
  app.post('/admin/users/:name/delete', deleting, async (request, reply) => {
    const form = formValues(deleteForm, request.body)
    await app.moderation.deleteAccount(signedInUser(request), request.params.name, {
      note: form.note,
      confirm: form.confirm,
    })
    request.flash('success', `${request.params.name}'s account is being deleted.`)
    return reply.redirect('/admin/log', 303)
  })

  app.post(
    '/admin/users/:name/role',
    { schema: { params: nameParams, body: roleForm }, preHandler: requireRole('admin') },
    async (request, reply) => {
      const form = formValues(roleForm, request.body)
      await app.moderation.setRole(signedInUser(request), request.params.name, form.role, form.note)
      request.flash('success', `${request.params.name} is now ${form.role}.`)
      return reply.redirect(`/admin/users/${encodeURIComponent(request.params.name)}`, 303)
    },
  )

  // Two steps, as a takedown cannot be undone: a page that shows the image, then the POST.
  app.get('/admin/takedown', moderator, async (request, reply) => {
    const key = queryField(request, 'key').trim()
    const post = key ? await app.posts.find(key) : undefined
    return reply.page('admin-takedown', {
      key,
      post: post && presentPost(post, filesBase),
      errors: {},
    })
  })

  const takingDown = { ...moderator, schema: { body: takedownForm } }
  app.post('/admin/takedown', takingDown, async (request, reply) => {
    const form = formValues(takedownForm, request.body)
    const result = await app.takedowns.takeDown(signedInUser(request), form.key.trim(), form.note)
    if (wantsJson(request)) return reply.send(result)
    request.flash(
      'success',
      `Taken down: ${result.removedPosts} posts removed, ${result.deletedFiles} files deleted.`,
    )
    return reply.redirect('/admin/log', 303)
  })

  app.get('/admin/reports', moderator, async (request, reply) => {
    const status = queryField(request, 'status')
    const queue = await app.reports.queue(signedInUser(request), status)
    return reply.header('cache-control', 'no-store').page('admin-reports', {
      ...queue,
      status: status === 'resolved' || status === 'dismissed' ? status : 'open',
    })
  })

  const settling = {
    ...moderator,
    schema: {
      params: Type.Object({ id: Type.String(), action: Type.String() }),
      body: settleForm,
    },
  }
  app.post('/admin/reports/:id/:action', settling, async (request, reply) => {
    const { note, next } = formValues(settleForm, request.body)
    await app.reports.settle(signedInUser(request), request.params.id, request.params.action, note)
    if (wantsJson(request)) return reply.send({ settled: true })
    request.flash('success', 'The report is settled.')
    return reply.redirect(safeNextPath(next, '/admin/reports'), 303)
  })

  app.get('/admin/log', moderator, async (request, reply) => {
    const log = await app.moderation.log(signedInUser(request), queryField(request, 'before'))
    return reply.header('cache-control', 'no-store').page('admin-log', log)
  })
}

export default moderationRoutes
