// The pure rules of the OAuth service: the S256 transformation and which redirect URIs an app
// may register.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { redirectUriProblem, s256 } from '../../src/services/oauth.js'

describe('OAuth rules', () => {
  it('S256 matches RFC 7636, appendix B', () => {
    assert.equal(
      s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
  })

  it('allows https, loopback http and private-use schemes', () => {
    for (const uri of [
      'https://app.example/callback',
      'https://app.example:8443/cb?x=1',
      'http://localhost:3000/cb',
      'http://127.0.0.1:8765/cb',
      'http://[::1]/cb',
      'com.example.app:/oauth',
    ]) {
      assert.equal(redirectUriProblem(uri), undefined, uri)
    }
  })

  it('refuses plain http elsewhere, fragments, credentials and odd schemes', () => {
    for (const uri of [
      'http://app.example/callback',
      'http://localhost.evil.example/cb',
      'https://app.example/cb#x',
      'https://user:pw@app.example/cb',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'myapp:/cb',
      '/relative',
      'not a url',
    ]) {
      assert.ok(redirectUriProblem(uri), uri)
    }
  })
})
