// Fetches an image from a URL someone gave us, without letting them aim the server at itself:
// only http(s), every address the name resolves to must be public (the connection is pinned
// to the address that was checked, so DNS cannot change its answer in between), redirects are
// followed by hand and checked the same way, and size and time are bounded.
import { lookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { type BlockList, isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { ServiceError } from '../services/errors.js'
import { WEB_ADDRESS_MAX } from '../services/text-rules.js'
import { saveToTempFile, type TempUpload, TooLargeError } from './temp-file.js'

export interface FetchPolicy {
  maxBytes: number
  /** Where the download is written while it arrives. */
  tempDir: string
  /** Whole time for the fetch, redirects and body included. */
  timeoutMs: number
  maxRedirects: number
  /** Addresses exempted from the block (CIDR list), for an operator's own image hosts. */
  allowed: BlockList
  /** The Accept header: an image unless the caller asks for something else (oEmbed's JSON). */
  accept?: string
}

// Global unicast IPv6 (2000::/3). Everything outside it is special in one way or another,
// including the IPv4-compatible ::/96 that ipaddr.js's range table leaves as 'unicast', and
// every IPv4-mapped or -translated form (::ffff:0:0/96 and ::ffff:0:0:0/96): no public image
// host is reached through one, and refusing them all leaves no spelling to get wrong.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

/**
 * True when the address is one the server must never connect to on a user's behalf: any
 * address that ipaddr.js (a maintained table of the IANA special-purpose registries) does
 * not call plain unicast, and any IPv6 address outside global unicast. The operator's
 * allowed ranges are exempt.
 */
export function isForbiddenAddress(address: string, allowed?: BlockList): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6
  try {
    ip = ipaddr.parse(address)
  } catch {
    return true
  }
  if (allowed?.check(ip.toString(), ip.kind())) return false
  if (ip.range() !== 'unicast') return true
  return ip instanceof ipaddr.IPv6 && !ip.match(GLOBAL_UNICAST_V6)
}

const refused = (message: string) => new ServiceError(422, message)

async function vettedAddress(
  url: URL,
  policy: FetchPolicy,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const answers = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true }).catch(() => [])
  if (answers.length === 0) throw refused('That address could not be found.')
  if (answers.some((a) => isForbiddenAddress(a.address, policy.allowed))) {
    throw refused('That address points to a private network, which this site does not fetch from.')
  }
  return answers[0] as { address: string; family: number }
}

function parseUrl(value: string, base?: URL): URL {
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    throw refused('That is not a web address.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refused('Only http:// and https:// addresses can be fetched.')
  if (url.username || url.password)
    throw refused('Addresses with a user name or password are not fetched.')
  return url
}

/** Downloads the image at the URL into a temporary file, within the policy's limits. */
export async function fetchRemoteImage(rawUrl: string, policy: FetchPolicy): Promise<TempUpload> {
  if (rawUrl.length > WEB_ADDRESS_MAX) throw refused('That address is too long.')
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs)
  try {
    let url = parseUrl(rawUrl.trim())
    for (let hop = 0; ; hop++) {
      const target = await vettedAddress(url, policy)
      const response = await request(url, target, controller.signal, policy.accept ?? 'image/*')
      const status = response.statusCode ?? 0
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume()
        if (hop >= policy.maxRedirects) throw refused('That address redirected too many times.')
        url = parseUrl(response.headers.location, url)
        continue
      }
      if (status !== 200) {
        response.resume()
        throw refused(`That address answered with an error (HTTP ${status}).`)
      }
      const length = Number(response.headers['content-length'])
      if (Number.isFinite(length) && length > policy.maxBytes) {
        response.destroy()
        throw new TooLargeError(policy.maxBytes)
      }
      return await saveToTempFile(response, policy.maxBytes, policy.tempDir)
    }
  } catch (error) {
    if (controller.signal.aborted && !(error instanceof ServiceError)) {
      throw refused('That address took too long to answer.')
    }
    if (error instanceof ServiceError) throw error
    throw refused('That address could not be fetched.')
  } finally {
    clearTimeout(timer)
  }
}

function request(
  url: URL,
  target: { address: string; family: number },
  signal: AbortSignal,
  accept: string,
): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      {
        signal,
        headers: { 'user-agent': 'MLKSHK-TS image fetcher', accept },
        // Connect to the address that was checked, whatever DNS says now.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) callback(null, [target] as never, target.family)
          else callback(null, target.address, target.family)
        },
        timeout: 10_000,
      },
      resolve,
    )
    req.on('timeout', () => req.destroy(new Error('socket timeout')))
    req.on('error', reject)
  })
}
