// Profile pictures: uploaded from the profile settings, served at their content-derived
// address /a/USER_ID/DIGEST.jpg (so they can be cached for good).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireUser, signedInUser } from '../plugins/auth.js'
import { limitedPerUser } from '../plugins/rate-limit.js'
import { ServiceError } from '../services/errors.js'
import { readUpload } from './read-upload.js'
import { sendStoredFile } from './stored-file.js'

/** A person's picture: /a/USER_ID/HASH.jpg */
const avatarParams = Type.Object({ userId: Type.String(), file: Type.String() })

const avatarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const uploadLimit = limitedPerUser(app.config.rateLimits.upload)

  app.post(
    '/account/settings/profile/photo',
    { preHandler: requireUser, config: uploadLimit },
    async (request, reply) => {
      const user = signedInUser(request)
      try {
        const upload = await readUpload(
          request,
          {
            fileField: 'photo',
            textFields: [],
            maxBytes: app.config.images.maxBytes,
            tmpDir: app.config.tmpDir,
          },
          {},
        )
        // Removed before the answer goes out, whatever happened.
        try {
          await app.avatars.setAvatar(user, upload)
        } finally {
          await upload.cleanup()
        }
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error
        const values = { full_name: user.fullName, about: user.about, website: user.website }
        return reply.page(
          'profile-settings',
          { values, errors: {}, photoError: error.message },
          error.status,
        )
      }
      request.flash('success', 'Your picture is saved.')
      return reply.redirect('/account/settings/profile', 303)
    },
  )

  app.post(
    '/account/settings/profile/photo/delete',
    { preHandler: requireUser },
    async (request, reply) => {
      await app.avatars.removeAvatar(signedInUser(request))
      request.flash('success', 'Your picture is removed.')
      return reply.redirect('/account/settings/profile', 303)
    },
  )

  app.get('/a/:userId/:file', { schema: { params: avatarParams } }, async (request, reply) => {
    const { userId, file } = request.params
    if (!/^\d{1,10}$/.test(userId) || !/^[0-9a-f]{40}\.jpg$/.test(file)) return reply.callNotFound()
    const user = await app.accounts.findUser(Number(userId))
    const key = `a/${userId}/${file}`
    if (!user || user.avatarKey !== key) return reply.callNotFound()
    return sendStoredFile(reply, app.fileStore, key, 'image/jpeg')
  })
}

export default avatarRoutes
