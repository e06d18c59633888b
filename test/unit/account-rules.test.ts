import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  emailProblem,
  nameProblem,
  normalizeEmail,
  websiteProblem,
} from '../../src/services/account-rules.js'
import { hashPassword, passwordProblem, verifyPassword } from '../../src/services/passwords.js'
import { isReservedName } from '../../src/services/reserved-names.js'
import { textProblem } from '../../src/services/text-rules.js'

describe('account rules', () => {
  it('accepts ordinary names and refuses the rest', () => {
    for (const name of ['alice', 'Bob_99', 'x-y', 'a1', 'n'.repeat(30)])
      assert.equal(nameProblem(name), undefined, name)
    for (const name of [
      '',
      'n'.repeat(31),
      'has space',
      'ünï',
      'a.b',
      'a@b',
      'admin',
      'ADMIN',
      'q',
    ]) {
      assert.ok(nameProblem(name), name)
    }
  })

  it('reserves the routes the site uses', () => {
    for (const name of [
      'p',
      'r',
      'user',
      'shake',
      'tools',
      'account',
      'api',
      'static',
      'sign-in',
      'incoming',
      'popular',
    ]) {
      assert.ok(isReservedName(name), name)
    }
    assert.equal(isReservedName('alice'), false)
  })

  it('normalizes and checks email addresses', () => {
    assert.equal(normalizeEmail('  Alice@Example.COM '), 'alice@example.com')
    assert.equal(emailProblem('alice@example.com'), undefined)
    for (const email of [
      '',
      'alice',
      'alice@example',
      '@example.com',
      'a b@example.com',
      `${'a'.repeat(250)}@x.com`,
    ]) {
      assert.ok(emailProblem(email), email)
    }
  })

  it('allows only http(s) websites with a real host', () => {
    assert.equal(websiteProblem(''), undefined)
    assert.equal(websiteProblem('https://example.com/me'), undefined)
    for (const url of [
      'javascript:alert(1)',
      'example.com',
      'ftp://example.com',
      'http://localhost',
      'data:text/html,x',
    ]) {
      assert.ok(websiteProblem(url), url)
    }
  })

  it('counts characters, not bytes, and refuses control characters', () => {
    assert.equal(textProblem('About', '✓'.repeat(255), 255), undefined)
    assert.ok(textProblem('About', '✓'.repeat(256), 255))
    assert.equal(textProblem('About', 'two\nlines\ttab', 255), undefined)
    assert.ok(textProblem('About', 'bell\u0007', 255))
  })
})

describe('passwords', () => {
  it('refuses short, long and common passwords', async () => {
    assert.match((await passwordProblem('short')) ?? '', /at least 8/)
    assert.match((await passwordProblem('x'.repeat(1025))) ?? '', /at most 1024/)
    assert.match((await passwordProblem('x'.repeat(1_000_000))) ?? '', /at most 1024/)
    assert.match((await passwordProblem('password1')) ?? '', /most common/)
    assert.match((await passwordProblem('QWERTYUIOP')) ?? '', /most common/)
    assert.equal(await passwordProblem('correct horse battery staple'), undefined)
    assert.equal(await passwordProblem('✓'.repeat(1024)), undefined, 'counted in characters')
  })

  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const hashed = await hashPassword('correct horse battery staple')
    assert.match(hashed, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await verifyPassword(hashed, 'correct horse battery staple'), true)
    assert.equal(await verifyPassword(hashed, 'correct horse battery stapl'), false)
    assert.notEqual(await hashPassword('correct horse battery staple'), hashed, 'salted')
  })
})
