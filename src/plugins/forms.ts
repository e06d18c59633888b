// HTML form bodies. Browsers percent-encode forms as UTF-8; anything that does not decode as
// UTF-8 is refused with 400 rather than silently turned into replacement characters.
import formbody from '@fastify/formbody'
import fp from 'fastify-plugin'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export class MalformedFormError extends Error {
  readonly statusCode = 400
  readonly code = 'MALFORMED_FORM'
  constructor() {
    super('The form could not be read: it was not valid UTF-8 text.')
  }
}

function decodeComponent(value: string): string {
  const bytes: number[] = []
  const plus = value.replaceAll('+', ' ')
  for (let i = 0; i < plus.length; i++) {
    const ch = plus[i] as string
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(plus.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(plus.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      const code = ch.charCodeAt(0)
      if (code < 0x80) bytes.push(code)
      else bytes.push(...Buffer.from(ch, 'utf8'))
    }
  }
  return strictUtf8.decode(new Uint8Array(bytes))
}

/** Parses application/x-www-form-urlencoded; a repeated field keeps its first value. */
export function parseForm(body: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null)
  if (body.includes('\uFFFD')) throw new MalformedFormError()
  for (const pair of body.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    let key: string
    let value: string
    try {
      key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq))
      value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1))
    } catch {
      throw new MalformedFormError()
    }
    if (!(key in fields)) fields[key] = value
  }
  return fields
}

export default fp(
  async (app) => {
    await app.register(formbody, { parser: parseForm })
    // A POST that sends no body at all is an empty form, as it was before routes had body
    // schemas: its fields read as '' and the service says what is missing, instead of the
    // schema refusing "no object".
    app.addHook('preValidation', async (request) => {
      if (request.body === undefined && request.routeOptions.schema?.body) request.body = {}
    })
  },
  { name: 'forms' },
)
