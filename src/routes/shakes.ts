// Group shakes: creating, the shake page (/NAME), editing, members, invitations and requests,
// the directory, and putting posts in shakes or taking them out.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { type Static, Type } from 'typebox'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { wantsJson } from '../plugins/negotiation.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import type { User } from '../repositories/users.js'
import { ServiceError, unlessNotFound, ValidationError } from '../services/errors.js'
import { queryField } from './form-fields.js'
import { postCards } from './post-cards.js'
import { readUpload } from './read-upload.js'
import {
  formBody,
  formValues,
  idParams,
  keyParams,
  nameParams,
  type TextFieldsOf,
} from './schemas.js'
import { sendStoredFile } from './stored-file.js'

const shakePageParams = Type.Object({
  shake: Type.String(),
  before: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
})
const shakeForm = formBody('name', 'title', 'description')
const updateForm = formBody('title', 'description')
/** Who a membership change is about (name), or the heir of a transfer and its note. */
const memberForm = formBody('name', 'heir', 'note')
/** The shake a post goes into or leaves. */
const postShakeForm = formBody('shake')
const byName = { schema: { params: nameParams } }

const shakeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const done = (request: FastifyRequest, reply: FastifyReply, to: string, message?: string) => {
    if (wantsJson(request)) return reply.send({ ok: true })
    if (message) request.flash('success', message)
    return reply.redirect(to, 303)
  }

  app.get('/shake/create', { preHandler: requireUser }, (_request, reply) =>
    reply.page('shake-form', { creating: true, values: {}, errors: {} }),
  )

  const limited = (action: 'createShake' | 'invite') => [requireUser, ...app.writeLimits[action]]

  const creating = { schema: { body: shakeForm }, preHandler: limited('createShake') }
  app.post('/shake/create', creating, async (request, reply) => {
    const form = formValues(shakeForm, request.body)
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
    const raw = queryField(request, 'order')
    const order = raw === 'followed' || raw === 'active' ? raw : 'newest'
    return reply.page('shake-directory', { order, shakes: await app.shakes.directory(order) })
  })

  async function shakePage(
    request: FastifyRequest<{ Params: Static<typeof shakePageParams> }>,
    reply: FastifyReply,
  ) {
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
  app.get('/:shake', { schema: { params: shakePageParams } }, shakePage)
  app.get('/:shake/before/:before', { schema: { params: shakePageParams } }, shakePage)
  app.get('/:shake/after/:after', { schema: { params: shakePageParams } }, shakePage)

  app.get('/shake/:name/update', { ...byName, preHandler: requireUser }, async (request, reply) => {
    const shake = await app.shakes.group(request.params.name)
    if (shake.userId !== signedInUser(request).id)
      throw new ServiceError(403, 'Only the owner of this shake can do that.')
    return reply.page('shake-form', { shake, values: shake, errors: {} })
  })

  app.post(
    '/shake/:name/update',
    { schema: { params: nameParams, body: updateForm }, preHandler: requireUser },
    async (request, reply) => {
      const form = formValues(updateForm, request.body)
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

  app.post(
    '/shake/:name/update/image',
    { ...byName, preHandler: requireUser, config: limitedPerUser(app.config.rateLimits.upload) },
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

  const shakePicture = { params: Type.Object({ id: Type.String(), file: Type.String() }) }
  app.get('/s/:id/:file', { schema: shakePicture }, async (request, reply) => {
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
  app.get('/shake/by-id/:id', { schema: { params: idParams } }, async (request, reply) =>
    reply.redirect(await app.shakes.pathOf(request.params.id)),
  )

  app.get('/shake/:name/members', byName, async (request, reply) => {
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

  app.get('/shake/:name/followers', byName, async (request, reply) => {
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

  app.post(
    '/shake/:name/invite',
    { schema: { params: nameParams, body: memberForm }, preHandler: limited('invite') },
    async (request, reply) => {
      const { name } = formValues(memberForm, request.body)
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

  type MemberFields = TextFieldsOf<typeof memberForm>
  /** A membership change: done, then back to the shake or its members, saying what happened. */
  const memberAction = (
    path: string,
    act: (user: User, shake: string, form: MemberFields) => Promise<void>,
    to: (shake: string) => string,
    said: (shake: string, form: MemberFields) => string,
    preHandler: preHandlerAsyncHookHandler[] = [requireUser],
  ) =>
    app.post(
      path,
      { schema: { params: nameParams, body: memberForm }, preHandler },
      async (request, reply) => {
        const shake = request.params.name
        const form = formValues(memberForm, request.body)
        await act(signedInUser(request), shake, form)
        return done(request, reply, to(shake), said(shake, form))
      },
    )
  memberAction(
    '/shake/:name/accept',
    (user, shake) => app.shakeMembers.accept(user, shake),
    (n) => `/${n}`,
    (shake) => `You are a member of ${shake} now: you can post to it.`,
  )
  memberAction(
    '/shake/:name/request',
    (user, shake) => app.shakeMembers.requestToJoin(user, shake),
    (n) => `/${n}`,
    () => 'Your request is sent. The owner decides who posts here.',
    limited('invite'),
  )
  memberAction(
    '/shake/:name/quit',
    (user, shake) => app.shakeMembers.quit(user, shake),
    (n) => `/${n}`,
    (shake) => `You left ${shake}.`,
  )
  memberAction(
    '/shake/:name/approve',
    (user, shake, form) => app.shakeMembers.decide(user, shake, form.name, true),
    (n) => `/shake/${n}/members`,
    (_shake, form) => `${form.name} is a member now.`,
  )
  memberAction(
    '/shake/:name/decline',
    (user, shake, form) => app.shakeMembers.decide(user, shake, form.name, false),
    (n) => `/shake/${n}/members`,
    (_shake, form) => `${form.name}'s request is declined.`,
  )
  memberAction(
    '/shake/:name/remove',
    (user, shake, form) => app.shakeMembers.removeMember(user, shake, form.name),
    (n) => `/shake/${n}/members`,
    (_shake, form) => `${form.name} is no longer a member.`,
  )

  // The owner hands the shake to a member; a moderator may too (logged, with an optional note).
  memberAction(
    '/shake/:name/transfer',
    (user, shake, form) => app.shakeMembers.transferOwnership(user, shake, form.heir, form.note),
    (n) => `/shake/${n}/members`,
    (shake, form) => `${form.heir} owns ${shake} now.`,
  )

  app.post(
    '/p/:key/add-to-shake',
    { schema: { params: keyParams, body: postShakeForm }, preHandler: requireUser },
    async (request, reply) => {
      const { shake } = formValues(postShakeForm, request.body)
      await app.shakePosts.addPost(signedInUser(request), request.params.key, shake)
      return done(request, reply, `/p/${request.params.key}`, `Added to ${shake}.`)
    },
  )

  app.post(
    '/p/:key/remove-from-shake',
    { schema: { params: keyParams, body: postShakeForm }, preHandler: requireUser },
    async (request, reply) => {
      const { shake } = formValues(postShakeForm, request.body)
      await app.shakePosts.removePost(signedInUser(request), request.params.key, shake)
      return done(request, reply, `/p/${request.params.key}`, `Taken out of ${shake}.`)
    },
  )
}

export default shakeRoutes
