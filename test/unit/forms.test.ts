import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MalformedFormError, parseForm } from '../../src/plugins/forms.js'

describe('parseForm', () => {
  it('decodes what browsers send', () => {
    assert.deepEqual(
      { ...parseForm('name=Al+ice&email=a%40b.example&about=caf%C3%A9+%E2%9C%93&empty=&flag') },
      { name: 'Al ice', email: 'a@b.example', about: 'café ✓', empty: '', flag: '' },
    )
  })

  it('keeps the first of repeated fields, so no field turns into a list', () => {
    assert.deepEqual({ ...parseForm('a=1&a=2') }, { a: '1' })
  })

  it('has no prototype to pollute', () => {
    const fields = parseForm('__proto__=x&constructor=y')
    assert.equal(Object.getPrototypeOf(fields), null)
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })

  it('refuses bytes that are not UTF-8', () => {
    for (const body of ['a=%FF', 'a=%C3%28', 'a=%ED%A0%80', 'a=\uFFFD']) {
      assert.throws(() => parseForm(body), MalformedFormError, body)
    }
  })

  it('passes a lone percent sign through as text', () => {
    assert.deepEqual({ ...parseForm('a=100%&b=%zz') }, { a: '100%', b: '%zz' })
  })
})
