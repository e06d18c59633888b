import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { safeNextPath } from '../../src/routes/safe-redirect.js'

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
    ]) {
      assert.equal(safeNextPath(next), '/', JSON.stringify(next))
    }
  })
})
