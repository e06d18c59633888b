// A small browser over app.inject: keeps cookies, reads the CSRF token from the last form it
// saw, and submits forms the way a person's browser would.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { multipart, type Part } from './multipart.js'

export class Browser {
  readonly cookies = new Map<string, string>()
  csrf: string | undefined
  lastPage: LightMyRequestResponse | undefined

  constructor(
    public app: FastifyInstance,
    readonly ip = '127.0.0.1',
  ) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as Array<{
      name: string
      value: string
      expires?: Date
      maxAge?: number
    }>) {
      const expired =
        (cookie.expires && cookie.expires.getTime() < Date.now()) || cookie.maxAge === 0
      if (expired || cookie.value === '') this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1]
    if (token) this.csrf = token
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const response = await this.app.inject({
      method: 'GET',
      url,
      remoteAddress: this.ip,
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers },
    })
    this.remember(response)
    this.lastPage = response
    return response
  }

  /**
   * Submits a urlencoded form. The CSRF token from the last page is added unless the form
   * sets _csrf itself (or `csrf: false` leaves it out).
   */
  async post(
    url: string,
    form: Record<string, string>,
    options: { csrf?: boolean; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<LightMyRequestResponse> {
    const fields = { ...form }
    if (options.csrf !== false && fields._csrf === undefined && this.csrf) fields._csrf = this.csrf
    const cookie = this.cookieHeader()
    const response = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      headers: {
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        ...(cookie ? { cookie } : {}),
        ...options.headers,
      },
      payload: options.rawBody ?? new URLSearchParams(fields).toString(),
    })
    this.remember(response)
    this.lastPage = response
    return response
  }

  /** Sends a multipart form; the CSRF token goes in the query string, as the upload form does. */
  async postMultipart(
    url: string,
    parts: Part[],
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const body = multipart(parts)
    const cookie = this.cookieHeader()
    const target =
      options.csrf !== false && this.csrf
        ? `${url}${url.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(this.csrf)}`
        : url
    const response = await this.app.inject({
      method: 'POST',
      url: target,
      remoteAddress: this.ip,
      headers: {
        accept: 'text/html',
        'content-type': body.contentType,
        ...(cookie ? { cookie } : {}),
        ...options.headers,
      },
      payload: body.payload,
    })
    this.remember(response)
    this.lastPage = response
    return response
  }

  /** Opens the page that shows the form, then submits it. */
  async submit(pageUrl: string, actionUrl: string, form: Record<string, string>) {
    await this.get(pageUrl)
    return this.post(actionUrl, form)
  }
}

export function location(response: LightMyRequestResponse): string | undefined {
  const value = response.headers.location
  return typeof value === 'string' ? value : undefined
}
