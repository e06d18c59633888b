// "Your data" in settings: asking for an export and downloading it, and deleting the account.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireUser, signedInUser, signOut } from '../plugins/auth.js'
import { ValidationError } from '../services/errors.js'
import { formBody, formValues, idParams } from './schemas.js'
import { sendStoredFile } from './stored-file.js'

/** Deleting your own account takes your password. */
const deleteForm = formBody('password')

const yourDataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', requireUser)

  async function showPage(
    request: Parameters<typeof signedInUser>[0],
    errors: Record<string, string> = {},
  ) {
    return { exports: await app.dataExports.list(signedInUser(request)), errors }
  }

  app.get('/account/settings/data', async (request, reply) =>
    reply.page('your-data', await showPage(request)),
  )

  app.post('/account/export', async (request, reply) => {
    await app.dataExports.request(signedInUser(request))
    request.flash('success', 'Your export is being prepared. We will mail you when it is ready.')
    return reply.redirect('/account/settings/data', 303)
  })

  app.get('/account/export/:id', { schema: { params: idParams } }, async (request, reply) => {
    const archive = await app.dataExports.download(signedInUser(request), request.params.id)
    reply.header('content-disposition', `attachment; filename="${archive.fileName}"`)
    return sendStoredFile(reply, app.fileStore, archive.storageKey, 'application/zip', {
      cacheControl: 'private, no-store',
    })
  })

  app.post('/account/delete', { schema: { body: deleteForm } }, async (request, reply) => {
    const user = signedInUser(request)
    const { password } = formValues(deleteForm, request.body)
    try {
      await app.accountDeletion.deleteOwnAccount(user, password)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.page(
        'your-data',
        await showPage(request, { password: error.fields.current_password ?? error.message }),
        error.status,
      )
    }
    await signOut(request)
    request.user = null
    return reply.page('account-deleted', { deletedName: user.name })
  })
}

export default yourDataRoutes
