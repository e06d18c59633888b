// Group shakes: creating, the shake page (/NAME), editing, members, invitations and requests,
// the directory, and putting posts in shakes or taking them out.
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { ServiceError, unlessNotFound, ValidationError } from '../services/errors.js'
import { formFields } from './form-fields.js'
import { postCards } from './post-cards.js'
import { readUpload } from './read-upload.js'
import { sendStoredFile } from './stored-file.js'

type NameParams = { Params: { name: string } }
type ShakeParams = { Params: { shake: string; before?: string; after?: string } }

const shakeRoutes: FastifyPluginAsync = async (app) => {
  const done = (request: FastifyRequest, reply: FastifyReply, to: string, message?: string) => {
    if (wantsJson(request)) return reply.send({ ok: true })
    if (message) request.flash('success', message)
    return reply.redirect(to, 303)
  }

  app.get('/shake/create', { preHandler: requireUser }, (_request, reply) =>
    reply.page('shake-form', { creating: true, values: {}, errors: {} }),
  )

  const limited = (action: 'createShake' | 'invite') => [requireUser, ...app.writeLimits[action]]

  app.post('/shake/create', { preHandler: limited('createShake') }, async (request, reply) => {
    const form = formFields(request, ['name', 'title', 'description'])
    try {
      const shake = await app.shakeSettings.create(signedInUser(request), form)
      return done(request, reply, `/${shake.name}`, 'Your shake is ready.')
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.page(
        'shake-form',
        { creating: true, values: form, errors: error.fields },
        error.status,
      )
    }
  })

  app.get('/shakes', async (request, reply) => {
    const raw = (request.query as { order?: string }).order
    const order = raw === 'followed' || raw === 'active' ? raw : 'newest'
    return reply.page('shake-directory', { order, shakes: await app.shakes.directory(order) })
  })

  async function shakePage(request: FastifyRequest<ShakeParams>, reply: FastifyReply) {
    const shake = await app.shakes.group(request.params.shake).catch(unlessNotFound)
    if (!shake) return reply.callNotFound()
    const { before, after } = request.params
    const [page, relation, following, muted] = await Promise.all([
      app.posts.shakePage(shake.id, {
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      }),
      app.shakeMembers.relation(request.user, shake),
      request.user ? app.follows.isFollowing(request.user, shake) : false,
      app.mutes.isMuted(request.user, 'shake', shake.id),
    ])
    return reply.page('shake', {
      shake,
      relation,
      following,
      muted,
      posts: await postCards(app, request.user, page.items),
      olderUrl: page.olderKey && `/${shake.name}/before/${page.olderKey}`,
      newerUrl: page.newerKey && `/${shake.name}/after/${page.newerKey}`,
    })
  }
  app.get<ShakeParams>('/:shake', shakePage)
  app.get<ShakeParams>('/:shake/before/:before', shakePage)
  app.get<ShakeParams>('/:shake/after/:after', shakePage)

  app.get<NameParams>(
    '/shake/:name/update',
    { preHandler: requireUser },
    async (request, reply) => {
      const shake = await app.shakes.group(request.params.name)
      if (shake.userId !== signedInUser(request).id)
        throw new ServiceError(403, 'Only the owner of this shake can do that.')
      return reply.page('shake-form', { shake, values: shake, errors: {} })
    },
  )

  app.post<NameParams>(
    '/shake/:name/update',
    { preHandler: requireUser },
    async (request, reply) => {
      const form = formFields(request, ['title', 'description'])
      try {
        const shake = await app.shakeSettings.update(
          signedInUser(request),
          request.params.name,
          form,
        )
        return done(request, reply, `/${shake.name}`, 'Saved.')
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        const shake = await app.shakes.group(request.params.name)
        return reply.page('shake-form', { shake, values: form, errors: error.fields }, error.status)
      }
    },
  )

  app.post<NameParams>(
    '/shake/:name/update/image',
    { preHandler: requireUser, config: limitedPerUser(app.config.rateLimits.upload) },
    async (request, reply) => {
      const upload = await readUpload(
        request,
        {
          fileField: 'image',
          textFields: [],
          maxBytes: app.config.images.maxBytes,
          tmpDir: app.config.tmpDir,
        },
        {},
      )
      try {
        await app.shakeSettings.setImage(signedInUser(request), request.params.name, upload)
      } finally {
        await upload.cleanup()
      }
      return done(request, reply, `/${request.params.name}`, 'The picture is saved.')
    },
  )

  app.get<{ Params: { id: string; file: string } }>('/s/:id/:file', async (request, reply) => {
    const match = /^([0-9a-f]{40})-(96|568)\.jpg$/.exec(request.params.file)
    const shake = /^\d{1,10}$/.test(request.params.id)
      ? await app.follows.shakeById(request.params.id).catch(unlessNotFound)
      : undefined
    if (!match || !shake || shake.imageKey !== `s/${shake.id}/${match[1]}`)
      return reply.callNotFound()
    return sendStoredFile(
      reply,
      app.fileStore,
      `s/${shake.id}/${request.params.file}`,
      'image/jpeg',
    )
  })

  // Notifications name shakes by id.
  app.get<{ Params: { id: string } }>('/shake/by-id/:id', async (request, reply) =>
    reply.redirect(await app.shakes.pathOf(request.params.id)),
  )

  app.get<NameParams>('/shake/:name/members', async (request, reply) => {
    const shake = await app.shakes.group(request.params.name)
    const isOwner = request.user?.id === shake.userId
    return reply.page('shake-members', {
      shake,
      isOwner,
      members: await app.shakeMembers.members(shake),
      pending: isOwner ? await app.shakeMembers.pending(shake) : { invited: [], requested: [] },
      values: {},
      errors: {},
    })
  })

  app.get<NameParams>('/shake/:name/followers', async (request, reply) => {
    const shake = await app.shakes.group(request.params.name)
    const people = await app.follows.followers(shake)
    return reply.page('people', {
      pageTitle: `People following ${shake.title}`,
      backUrl: `/${shake.name}`,
      backName: shake.title,
      people,
      kind: 'followers',
    })
  })

  app.post<NameParams>(
    '/shake/:name/invite',
    { preHandler: limited('invite') },
    async (request, reply) => {
      const { name } = formFields(request, ['name'])
      try {
        await app.shakeMembers.invite(signedInUser(request), request.params.name, name)
      } catch (error) {
        if (!(error instanceof ValidationError) || wantsJson(request)) throw error
        const shake = await app.shakes.group(request.params.name)
        return reply.page(
          'shake-members',
          {
            shake,
            isOwner: true,
            members: await app.shakeMembers.members(shake),
            pending: await app.shakeMembers.pending(shake),
            // The name typed stays in the field, to be corrected rather than typed again.
            values: { name },
            errors: error.fields,
          },
          error.status,
        )
      }
      return done(request, reply, `/shake/${request.params.name}/members`, `${name} is invited.`)
    },
  )

  /** A membership change: done, then back to the shake or its members, saying what happened. */
  const memberAction = (
    path: string,
    act: (request: FastifyRequest<NameParams>) => Promise<void>,
    to: (name: string) => string,
    said: (request: FastifyRequest<NameParams>) => string,
    preHandler: preHandlerAsyncHookHandler[] = [requireUser],
  ) =>
    app.post<NameParams>(path, { preHandler }, async (request, reply) => {
      await act(request)
      return done(request, reply, to(request.params.name), said(request))
    })
  const named = (r: FastifyRequest<NameParams>) => formFields(r, ['name']).name
  memberAction(
    '/shake/:name/accept',
    (r) => app.shakeMembers.accept(signedInUser(r), r.params.name),
    (n) => `/${n}`,
    (r) => `You are a member of ${r.params.name} now: you can post to it.`,
  )
  memberAction(
    '/shake/:name/request',
    (r) => app.shakeMembers.requestToJoin(signedInUser(r), r.params.name),
    (n) => `/${n}`,
    () => 'Your request is sent. The owner decides who posts here.',
    limited('invite'),
  )
  memberAction(
    '/shake/:name/quit',
    (r) => app.shakeMembers.quit(signedInUser(r), r.params.name),
    (n) => `/${n}`,
    (r) => `You left ${r.params.name}.`,
  )
  memberAction(
    '/shake/:name/approve',
    (r) => app.shakeMembers.decide(signedInUser(r), r.params.name, named(r), true),
    (n) => `/shake/${n}/members`,
    (r) => `${named(r)} is a member now.`,
  )
  memberAction(
    '/shake/:name/decline',
    (r) => app.shakeMembers.decide(signedInUser(r), r.params.name, named(r), false),
    (n) => `/shake/${n}/members`,
    (r) => `${named(r)}'s request is declined.`,
  )
  memberAction(
    '/shake/:name/remove',
    (r) => app.shakeMembers.removeMember(signedInUser(r), r.params.name, named(r)),
    (n) => `/shake/${n}/members`,
    (r) => `${named(r)} is no longer a member.`,
  )

  // The owner hands the shake to a member; a moderator may too (logged, with an optional note).
  memberAction(
    '/shake/:name/transfer',
    (r) => {
      const form = formFields(r, ['heir', 'note'])
      return app.shakeMembers.transferOwnership(
        signedInUser(r),
        r.params.name,
        form.heir,
        form.note,
      )
    },
    (n) => `/shake/${n}/members`,
    (r) => `${formFields(r, ['heir']).heir} owns ${r.params.name} now.`,
  )

  app.post<{ Params: { key: string } }>(
    '/p/:key/add-to-shake',
    { preHandler: requireUser },
    async (request, reply) => {
      const { shake } = formFields(request, ['shake'])
      await app.shakePosts.addPost(signedInUser(request), request.params.key, shake)
      return done(request, reply, `/p/${request.params.key}`, `Added to ${shake}.`)
    },
  )

  app.post<{ Params: { key: string } }>(
    '/p/:key/remove-from-shake',
    { preHandler: requireUser },
    async (request, reply) => {
      const { shake } = formFields(request, ['shake'])
      await app.shakePosts.removePost(signedInUser(request), request.params.key, shake)
      return done(request, reply, `/p/${request.params.key}`, `Taken out of ${shake}.`)
    },
  )
}

export default shakeRoutes
