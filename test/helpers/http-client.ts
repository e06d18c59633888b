// A small cookie-keeping HTTP client over fetch, for tests that talk to real servers.
export class HttpClient {
  readonly cookies = new Map<string, string>()
  csrf = ''

  constructor(readonly base: string) {}

  async request(url: string, init: RequestInit = {}) {
    const response = await fetch(`${this.base}${url}`, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const at = pair.indexOf('=')
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1))
    }
    const body = Buffer.from(await response.arrayBuffer())
    const text = body.toString('utf8')
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1]
    if (token) this.csrf = token
    return {
      status: response.status,
      headers: response.headers,
      body,
      text,
      location: response.headers.get('location'),
    }
  }

  form(url: string, fields: Record<string, string>, accept = 'text/html') {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
      body: new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
    })
  }

  async signUp(name: string, password = 'correct horse battery staple') {
    await this.request('/create-account')
    const created = await this.form('/create-account', {
      name,
      email: `${name}@example.com`,
      password,
      password_again: password,
    })
    if (created.status !== 303)
      throw new Error(`sign-up of ${name} failed: ${created.status} ${created.text.slice(0, 200)}`)
    await this.request(created.location as string)
  }

  async upload(file: Buffer, fields: Record<string, string> = {}) {
    await this.request('/tools/new-post')
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    form.append('file', new Blob([file], { type: 'image/jpeg' }), 'photo.jpg')
    return this.request(`/upload?_csrf=${encodeURIComponent(this.csrf)}`, {
      method: 'POST',
      body: form,
    })
  }
}
