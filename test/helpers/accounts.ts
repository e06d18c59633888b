// Shortcuts for tests that need a signed-in user.
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { Browser, location } from './browser.js'

export const PASSWORD = 'correct horse battery staple'

/** Creates an account through the form and returns the signed-in browser. */
export async function signUp(
  app: FastifyInstance,
  name: string,
  email = `${name.toLowerCase()}@example.com`,
  ip = '127.0.0.1',
): Promise<Browser> {
  const browser = new Browser(app, ip)
  await browser.get('/create-account')
  const response = await browser.post('/create-account', {
    name,
    email,
    password: PASSWORD,
    password_again: PASSWORD,
  })
  assert.equal(
    response.statusCode,
    303,
    `sign-up of ${name} failed: ${response.body.slice(0, 500)}`,
  )
  // Follow the redirect as a browser would: the new session's forms carry a new token.
  await browser.get(location(response) as string)
  return browser
}

export async function signIn(
  app: FastifyInstance,
  login: string,
  password = PASSWORD,
): Promise<Browser> {
  const browser = new Browser(app)
  await browser.get('/sign-in')
  const response = await browser.post('/sign-in', { name: login, password })
  assert.equal(response.statusCode, 303, `sign-in of ${login} failed`)
  await browser.get(location(response) as string)
  return browser
}

/** Gives an existing user a role (admins are made by operators, not through a page). */
export async function grantRole(
  app: FastifyInstance,
  name: string,
  role: 'member' | 'moderator' | 'admin',
): Promise<void> {
  await app.db.updateTable('user').set({ role }).where('name', '=', name).execute()
}

/** Changes the password on the settings page, as its form does; the answer is returned. */
export async function changePassword(
  browser: Browser,
  password: string,
  currentPassword = PASSWORD,
): Promise<Awaited<ReturnType<Browser['post']>>> {
  await browser.get('/account/settings')
  return browser.post('/account/settings', {
    form: 'password',
    current_password: currentPassword,
    password,
    password_again: password,
  })
}
