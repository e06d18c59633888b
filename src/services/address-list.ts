// A list of addresses and CIDRs from the configuration, and the question "is this address in
// it?", asked the same way by the URL fetcher's exemptions and by the metrics endpoint.
import { BlockList, isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

export function addressList(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    list.addSubnet(address, Number(prefix ?? (family === 'ipv6' ? 128 : 32)), family)
  }
  return list
}

/**
 * True when the address is in the list. A dual-stack socket reports IPv4 peers as
 * ::ffff:a.b.c.d; they are judged as the IPv4 address they are, so 127.0.0.0/8 covers them.
 */
export function listed(list: BlockList, address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false
  const ip = ipaddr.process(address)
  return list.check(ip.toString(), ip.kind() === 'ipv6' ? 'ipv6' : 'ipv4')
}
