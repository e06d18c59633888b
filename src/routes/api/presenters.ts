// Turns what services return into the API's JSON for one caller: the addresses come from the
// config, the reader's own state (liked, saved, comment counts) from one service call.
import type { FastifyInstance } from 'fastify'
import type { Post } from '../../repositories/posts.js'
import type { Shake } from '../../repositories/shakes.js'
import type { User } from '../../repositories/users.js'
import type { Page } from '../../services/paging.js'
import { shareKey } from '../../services/share-keys.js'
import { type ApiAddresses, shakeJson, sharedfileJson, userJson } from './json.js'

export type Presenters = ReturnType<typeof presenters>

export function presenters(app: FastifyInstance) {
  const at: ApiAddresses = {
    baseUrl: app.config.baseUrl,
    filesBaseUrl: app.config.filesBaseUrl,
  }

  async function ownerOf(shake: Shake): Promise<User | undefined> {
    return app.accounts.findUser(shake.userId)
  }

  return {
    at,

    async shake(shake: Shake) {
      const owner = await ownerOf(shake)
      if (!owner) return undefined
      return shakeJson(at, shake, owner)
    },

    async shakes(shakes: readonly Shake[]) {
      const shown = []
      for (const shake of shakes) {
        const json = await this.shake(shake)
        if (json) shown.push(json)
      }
      return shown
    },

    async user(user: User) {
      return userJson(at, user, await this.shakes(await app.shakes.ownedBy(user)))
    },

    async posts(reader: User, items: ReadonlyArray<{ post: Post; pivotId?: number }>) {
      const state = await app.streams.readerState(
        reader,
        items.map((i) => i.post),
      )
      return items.map((item) =>
        sharedfileJson(
          at,
          item.post,
          state,
          item.pivotId === undefined ? undefined : shareKey(item.pivotId),
        ),
      )
    },

    async post(reader: User, post: Post) {
      const [json] = await this.posts(reader, [{ post }])
      return json
    },

    /** A page of a stream whose pivot is the post itself. */
    async postPage(reader: User, page: Page<Post>) {
      return this.posts(
        reader,
        page.items.map((post) => ({ post })),
      )
    },
  }
}
