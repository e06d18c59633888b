import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isLocalPath, safeNextPath } from '../../src/services/redirect-rules.js'

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    assert.equal(safeNextPath('/account/settings'), '/account/settings')
    assert.equal(safeNextPath('/user/alice?x=1#top'), '/user/alice?x=1#top')
    assert.equal(safeNextPath('/%2F%2Fevil.example'), '/%2F%2Fevil.example')
    assert.equal(safeNextPath('/a/../b'), '/b')
  })

  it('sends everything else home', () => {
    for (const next of [
      undefined,
      '',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example',
      'https:evil.example',
      'http:/evil.example',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>',
      'evil.example',
      ' /ok',
      '/\t/evil.example',
      '/\n/evil.example',
      '/ok\u0000',
      `/${'a'.repeat(3000)}`,
      // Dot segments that collapse into a protocol-relative path once parsed (the audit's).
      '/.//evil.example',
      '/%2e%2e//evil.example',
      '/a/..//evil.example',
      '/%2E%2e//evil.example',
      '/.%2e//evil.example',
      '/a/b/../..//evil.example',
    ]) {
      assert.equal(safeNextPath(next), '/', JSON.stringify(next))
    }
  })
})

describe('isLocalPath', () => {
  it('accepts the paths the site sends', () => {
    for (const path of ['/', '/p/AB12', '/user/alice?next=%2F%2Fx', '/p/K#comment-3', '/%2F%2Fx'])
      assert.equal(isLocalPath(path), true, path)
  })
  it('refuses what a browser would read as another host or rewrite', () => {
    for (const path of [
      '//evil.example',
      '/\\evil.example',
      'evil.example',
      'https://x',
      '/a b',
      '/\tx',
      '',
    ])
      assert.equal(isLocalPath(path), false, JSON.stringify(path))
  })
})
