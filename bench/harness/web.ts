// The app's web process as the benchmark runs it (compiled, production mode, pinned to the
// server core) and a seeded user signed in over HTTP.
import { projectRoot } from '../../src/paths.js'
import { freePort } from '../../test/helpers/topology.js'
import { SEED_PASSWORD } from '../seed.js'
import { compiled, pinned, WEB_NODE_FLAGS, waitFor } from './processes.js'

/** A web process of the app, in production mode, pinned to the server core. */
export async function startWeb(name: string, env: Record<string, string>) {
  const port = await freePort()
  const [program, ...rest] = compiled('src/server.ts', WEB_NODE_FLAGS)
  const child = pinned(
    program as string,
    rest,
    { ...env, PORT: String(port) },
    { cwd: projectRoot },
  )
  const base = `http://127.0.0.1:${port}`
  await waitFor(`${base}/healthy/alive`, child, name)
  return { name, child, base, port }
}

/** Signs a seeded user in over HTTP; returns the cookie and a CSRF token for scripted posts. */
export async function signIn(base: string, name: string) {
  const jar = new Map<string, string>()
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  const remember = (response: Response) => {
    for (const c of response.headers.getSetCookie()) {
      const [pair = ''] = c.split(';')
      const at = pair.indexOf('=')
      jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
  }
  const token = async (url: string) => {
    const page = await fetch(`${base}${url}`, { headers: { cookie: cookie() } })
    remember(page)
    const found = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1]
    if (!found) throw new Error(`no form on ${url}`)
    return found
  }
  const signInToken = await token('/sign-in')
  const signedIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({
      _csrf: signInToken,
      name,
      password: SEED_PASSWORD,
    }).toString(),
  })
  remember(signedIn)
  if (signedIn.status !== 303) throw new Error(`sign-in of ${name}: ${signedIn.status}`)
  return { cookie: cookie(), csrf: await token('/tools/new-post') }
}
