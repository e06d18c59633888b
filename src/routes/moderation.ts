// Moderators' pages: a person's dossier, image takedown, the report queue and the moderation
// log; admins also set roles. (Marking a person NSFW: routes/nsfw.ts.)
import type { FastifyPluginAsync } from 'fastify'
import { requireRole, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { safeNextPath } from '../services/redirect-rules.js'
import { formFields, queryField } from './form-fields.js'
import { presentPost } from './post-presentation.js'

type NameParams = { Params: { name: string } }

const moderationRoutes: FastifyPluginAsync = async (app) => {
  const filesBase = app.config.filesBaseUrl === app.config.baseUrl ? '' : app.config.filesBaseUrl
  const moderator = { preHandler: requireRole('moderator') }

  app.get('/admin', moderator, (_request, reply) => reply.redirect('/admin/reports'))

  app.get('/admin/users', moderator, (request, reply) => {
    const name = queryField(request, 'name').trim()
    return reply.redirect(name ? `/admin/users/${encodeURIComponent(name)}` : '/admin/reports')
  })

  app.get<NameParams>('/admin/users/:name', moderator, async (request, reply) => {
    const dossier = await app.moderation.dossier(signedInUser(request), request.params.name)
    return reply.header('cache-control', 'no-store').page('admin-user', {
      ...dossier,
      posts: dossier.posts.map((post) => presentPost(post, filesBase)),
    })
  })

  // The account is signed out at once; the deletion job erases it (services/account-deletion.ts).
  app.post<NameParams>('/admin/users/:name/delete', moderator, async (request, reply) => {
    const form = formFields(request, ['note', 'confirm'])
    await app.moderation.deleteAccount(signedInUser(request), request.params.name, {
      note: form.note,
      confirm: form.confirm,
    })
    request.flash('success', `${request.params.name}'s account is being deleted.`)
    return reply.redirect('/admin/log', 303)
  })

  app.post<NameParams>(
    '/admin/users/:name/role',
    { preHandler: requireRole('admin') },
    async (request, reply) => {
      const form = formFields(request, ['role', 'note'])
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

  app.post('/admin/takedown', moderator, async (request, reply) => {
    const form = formFields(request, ['key', 'note'])
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

  app.post<{ Params: { id: string; action: string } }>(
    '/admin/reports/:id/:action',
    moderator,
    async (request, reply) => {
      const { note, next } = formFields(request, ['note', 'next'])
      await app.reports.settle(
        signedInUser(request),
        request.params.id,
        request.params.action,
        note,
      )
      if (wantsJson(request)) return reply.send({ settled: true })
      request.flash('success', 'The report is settled.')
      return reply.redirect(safeNextPath(next, '/admin/reports'), 303)
    },
  )

  app.get('/admin/log', moderator, async (request, reply) => {
    const log = await app.moderation.log(signedInUser(request), queryField(request, 'before'))
    return reply.header('cache-control', 'no-store').page('admin-log', log)
  })
}

export default moderationRoutes
