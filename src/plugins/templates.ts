// nunjucks pages (autoescaped) and reply.page(), which renders a page inside the layout with
// what every page needs: the signed-in user, flash messages and a CSRF token for its forms.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import view from '@fastify/view'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import nunjucks from 'nunjucks'
import { templatesDir } from '../paths.js'
import { formatBytes } from '../services/format-bytes.js'
import { longDate } from '../services/long-date.js'
import { reportReasons } from '../services/moderation-rules.js'
import { postTag } from '../services/page-cache.js'
import { hasRole } from '../services/roles.js'
import { shareKey } from '../services/share-keys.js'
import { linkify } from './linkify.js'
import { wantsFragment, wantsJson } from './negotiation.js'

interface FlashMessage {
  kind: string
  text: string
}

function flashMessages(reply: FastifyReply): FlashMessage[] {
  const session = reply.request.session
  // Reading flash on a session that has none would write an empty one: check first.
  const pending = session?.get('flash')
  if (!pending || Object.keys(pending).length === 0) return []
  const all = reply.flash() as Record<string, string[]>
  return Object.entries(all).flatMap(([kind, texts]) => texts.map((text) => ({ kind, text })))
}

/** The names reply.page() gives every page; a route's context may not use them. */
type PageWideName =
  | 'currentUser'
  | 'isModerator'
  | 'flashes'
  | 'csrfToken'
  | 'requestId'
  | 'baseUrl'
  | 'showNsfw'
  | 'autoplayVideo'
  | 'path'
  | 'fragment'
/** A route's context for reply.page(), refused by the type checker if it uses a page-wide name. */
export type PageContext<C extends object> = C & { [name in Extract<keyof C, PageWideName>]: never }

/** What a page shows, for the page cache: its posts (a write to one drops the page). */
function pageTags(context: { post?: { id?: unknown }; posts?: Array<{ id?: unknown }> }) {
  const ids = [context.post?.id, ...(context.posts ?? []).map((p) => p.id)]
  return ids.filter((id): id is number => typeof id === 'number').map(postTag)
}

/**
 * A page that refuses something (a form shown again with its errors, an error page), for a
 * script that asked for JSON: the same `{ error, fields }` the error handler sends.
 */
function refusalOf(context: {
  error?: unknown
  message?: unknown
  photoError?: unknown
  errors?: Readonly<Record<string, string>>
}) {
  const fields = context.errors ?? {}
  const error =
    [context.error, context.message, context.photoError, ...Object.values(fields)].find(
      (text): text is string => typeof text === 'string' && text !== '',
    ) ?? 'That request could not be handled.'
  return Object.keys(fields).length > 0 ? { error, fields } : { error }
}

/** Every template under templates/, as nunjucks names ('pages/post.njk'). */
async function templateNames(): Promise<string[]> {
  const entries = await readdir(templatesDir, { recursive: true })
  return entries
    .filter((name) => name.endsWith('.njk'))
    .map((name) => name.split(path.sep).join('/'))
}

export default fp(
  async (app) => {
    const cached = app.config.env === 'production'
    let environment: nunjucks.Environment | undefined
    await app.register(view, {
      engine: { nunjucks },
      templates: templatesDir,
      options: {
        autoescape: true,
        noCache: !cached,
        onConfigure(env: nunjucks.Environment) {
          env.addGlobal('reportReasons', reportReasons)
          environment = env
          env.addFilter('isoDate', (date: Date) => date.toISOString())
          env.addFilter('shareKey', (id: number) => shareKey(id))
          env.addFilter('fileSize', (bytes: number) => formatBytes(bytes))
          // 12,345: counts read the same in every locale the server might run in.
          env.addFilter('count', (n: number) => Number(n).toLocaleString('en-US'))
          // Escapes, then links: the result is safe to output as HTML.
          env.addFilter(
            'linkify',
            (text: string) => new nunjucks.runtime.SafeString(linkify(String(text ?? ''))),
          )
          env.addFilter('longDate', longDate)
        },
      },
    })

    // Compiled once at boot, so no visitor pays for reading and compiling a template.
    if (cached)
      app.addHook('onReady', async () => {
        for (const name of await templateNames()) environment?.getTemplate(name, true)
      })

    // Synchronous: no template here loads or filters asynchronously, and @fastify/view's
    // callback form only adds a promise and a copy of the context per page.
    app.decorate('renderTemplate', (name: string, context: object): string => {
      if (!environment) throw new Error('nunjucks is not configured')
      return environment.render(name, context)
    })

    app.decorateReply('pageTags', undefined)
    app.decorateReply(
      'page',
      async function page(
        this: FastifyReply,
        template: string,
        context: object = {},
        status = 200,
      ) {
        const request = this.request
        if (status >= 400 && wantsJson(request)) return this.code(status).send(refusalOf(context))
        // A page with a form carries this visitor's CSRF token: it is never shared.
        let personal = false
        // What every page shows comes first and the route's context is spread after it: V8
        // adds fields to a spread copy (`{ ...context, more }`) one slow map transition at a
        // time, tens of microseconds per page. PageContext keeps routes from passing these names.
        const html = app.renderTemplate(`pages/${template}.njk`, {
          currentUser: request.user ?? null,
          isModerator: hasRole(request.user, 'moderator'),
          flashes: request.session ? flashMessages(this) : [],
          // A function, so only pages that show a form create a session to hold the secret.
          csrfToken: () => {
            personal = true
            return this.generateCsrf()
          },
          requestId: request.id,
          baseUrl: app.config.baseUrl,
          // Covered images open at once for people who asked for that (visitors: by a cookie).
          showNsfw: request.user
            ? request.user.showNakedPeople
            : request.cookies?.nsfw_filter === 'off',
          // GIF videos play by themselves unless the viewer turned that off.
          autoplayVideo: request.user ? request.user.autoplayVideo : true,
          path: request.url.split('?')[0],
          // Scripts loading more of a stream ask for the main content alone.
          fragment: wantsFragment(request),
          ...context,
        })
        if (request.pageCacheKey && !personal) this.pageTags = pageTags(context)
        return this.code(status)
          .header('vary', 'X-Fragment')
          .type('text/html; charset=utf-8')
          .send(html)
      },
    )
  },
  { name: 'templates' },
)

declare module 'fastify' {
  interface FastifyInstance {
    /** Renders a template (a path under templates/) with the context, as pages are rendered. */
    renderTemplate(name: string, context: object): string
  }
  interface FastifyReply {
    /** Renders templates/pages/<template>.njk in the layout and sends it. */
    page<C extends object>(
      template: string,
      context?: PageContext<C>,
      status?: number,
    ): Promise<FastifyReply>
  }
}
