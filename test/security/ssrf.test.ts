// Server-side request forgery through posting from a URL: the address classifier against
// every special-purpose range of both families (IANA's registries, typed here from the
// registries, not read from the library under test), every way of writing an IPv4 address
// inside an IPv6 one, and the site itself refusing those addresses without connecting.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import ipaddr from 'ipaddr.js'
import { isForbiddenAddress } from '../../src/media/fetch-remote.js'
import { AttackTable } from '../helpers/attack-table.js'
import { createWorld, type World } from './world.js'

/** IANA IPv4 and IPv6 special-purpose address registries, plus multicast and the IPv6 rest. */
const specialRanges = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  // IPv4-compatible (deprecated), IPv4-mapped and IPv4-translated.
  '::/96',
  '::ffff:0:0/96',
  '::ffff:0:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001::/32',
  '2001:2::/48',
  '2001:db8::/32',
  '2001:10::/28',
  '2001:20::/28',
  '2002::/16',
  '2620:4f:8000::/48',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
  // Outside global unicast (2000::/3): unassigned, never a public image host.
  '4000::/3',
  '8000::/1',
]

/** First, last and one middle address of a range. */
function samples(cidr: string): string[] {
  const [address, prefix] = ipaddr.parseCIDR(cidr)
  const family = address.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6
  const first = family.networkAddressFromCIDR(cidr)
  const last = family.broadcastAddressFromCIDR(cidr)
  const bytes = first.toByteArray()
  // Set the first bit below the prefix for a middle address.
  const index = Math.floor(prefix / 8)
  if (index < bytes.length) bytes[index] = (bytes[index] ?? 0) | (0x80 >> (prefix % 8))
  return [first.toString(), last.toString(), ipaddr.fromByteArray(bytes).toString()]
}

/** Every way of carrying an IPv4 address inside an IPv6 one. */
function embeddings(v4: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number)
  const hi = ((a << 8) | b).toString(16)
  const lo = ((c << 8) | d).toString(16)
  return [
    `::ffff:${v4}`,
    `::FFFF:${v4}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `0000:0000:0000:0000:0000:ffff:${v4}`,
    `::${v4}`,
    `::${hi}:${lo}`,
    `::ffff:0:${v4}`,
    `::ffff:0:${hi}:${lo}`,
    `64:ff9b::${v4}`,
    `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::1`,
  ]
}

const publicAddresses = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
]

describe('server-side request forgery', () => {
  const table = new AttackTable('SSRF', 'refused, nothing connected')

  it('classifies every special-purpose range of both families as forbidden', async () => {
    await table.attack('special-purpose ranges, IPv4 and IPv6 (first, middle, last)', async () => {
      const missed: string[] = []
      let tried = 0
      for (const range of specialRanges) {
        for (const address of samples(range)) {
          tried++
          if (!isForbiddenAddress(address)) missed.push(`${address} (${range})`)
        }
      }
      assert.deepEqual(missed, [])
      // A public IPv4 address is refused in its mapped form too: no spelling is left to judge.
      assert.ok(isForbiddenAddress('::ffff:8.8.8.8'))
      for (const address of publicAddresses)
        assert.equal(isForbiddenAddress(address), false, `${address} is public`)
      return tried
    })
  })

  it('sees through every IPv6 spelling of a private IPv4 address', async () => {
    await table.attack(
      'IPv4 inside IPv6 (mapped, compatible, translated, NAT64, 6to4)',
      async () => {
        const missed: string[] = []
        let tried = 0
        for (const v4 of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '192.168.1.1', '0.0.0.0']) {
          for (const address of embeddings(v4)) {
            tried++
            if (!isForbiddenAddress(address)) missed.push(address)
          }
        }
        assert.deepEqual(missed, [])
        return tried
      },
    )
  })

  describe('posting from such an address', () => {
    let world: World
    let internal: Server
    let hits = 0
    before(async () => {
      world = await createWorld({ URL_FETCH_TIMEOUT_SECONDS: '2' })
      internal = createServer((_req, res) => {
        hits++
        res.end('internal secrets')
      })
      internal.listen(0, '127.0.0.1')
      await once(internal, 'listening')
    })
    after(async () => {
      internal?.close()
      await world?.site.close()
    })

    it('refuses them without connecting, and stores nothing', async () => {
      await table.attack('post from a URL on a loopback address in IPv6 forms', async () => {
        const port = (internal.address() as AddressInfo).port
        const urls = [
          ...embeddings('127.0.0.1').map((address) => `http://[${address}]:${port}/x.png`),
          `http://[::7f00:1]:${port}/x.png`,
          `http://[::1]:${port}/x.png`,
          `http://127.1:${port}/x.png`,
          `http://0177.0.0.1:${port}/x.png`,
          `http://2130706433:${port}/x.png`,
        ]
        const posts = async () =>
          (await world.site.app.db.selectFrom('sharedfile').select('id').execute()).length
        const before = await posts()
        await world.alice.get('/tools/new-post')
        for (const url of urls) {
          const response = await world.alice.post('/tools/p', { url, title: 'x' })
          assert.equal(response.statusCode, 422, `${url}: ${response.body.slice(0, 200)}`)
          assert.match(response.body, /private network/, url)
        }
        assert.equal(hits, 0, 'nothing reached the internal server')
        assert.equal(await posts(), before, 'nothing stored')
        return urls.length
      })
    })
  })
})
