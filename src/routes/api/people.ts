// The API's people and shakes: /user, /user_id/ID, /user_name/NAME, /shakes (the caller's),
// /shake_id/ID, /shake_name/NAME, /shake_user/NAME.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Shake } from '../../repositories/shakes.js'
import { ServiceError } from '../../services/errors.js'
import { idParams, nameParams } from '../schemas.js'
import { callerOf } from './bearer.js'
import { presenters } from './presenters.js'

const read = { config: { scope: 'read' as const } }
const byId = { ...read, schema: { params: idParams } }
const byName = { ...read, schema: { params: nameParams } }
const noSuchUser = () => new ServiceError(404, 'There is no such user.')
const noSuchShake = () => new ServiceError(404, 'There is no such shake.')

const peopleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const show = presenters(app)

  async function shakeJson(shake: Shake) {
    const json = await show.shake(shake)
    if (!json) throw noSuchShake()
    return json
  }

  app.get('/user', read, async (request) => show.user(callerOf(request).user))

  app.get('/user_id/:id', byId, async (request) => {
    const id = /^\d{1,10}$/.test(request.params.id) ? Number(request.params.id) : 0
    const user = await app.accounts.findUser(id)
    if (!user) throw noSuchUser()
    return show.user(user)
  })

  app.get('/user_name/:name', byName, async (request) => {
    const found = await app.accounts.profile(request.params.name)
    if (!found) throw noSuchUser()
    return show.user(found.user)
  })

  app.get('/shakes', read, async (request) => ({
    shakes: await show.shakes(await app.shakes.postable(callerOf(request).user)),
  }))

  app.get('/shake_id/:id', byId, async (request) => {
    return shakeJson(await app.follows.shakeById(request.params.id))
  })

  app.get('/shake_name/:name', byName, async (request) => {
    return shakeJson(await app.follows.shakeByName(request.params.name))
  })

  app.get('/shake_user/:name', byName, async (request) => {
    const { shake } = await app.follows.shakeOfUser(request.params.name)
    return shakeJson(shake)
  })
}

export default peopleRoutes
