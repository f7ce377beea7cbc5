import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Which addresses the worker may fetch images from. Strangers choose the URLs, so by default
 * only public unicast addresses pass: no loopback, private, link-local, unique-local,
 * multicast, unspecified or reserved address, however it is spelled.
 */
export interface AddressPolicy {
  /** Lifts the block on everything but cloud metadata (local development). */
  allowPrivate: boolean
  /** `address:port` endpoints exempt from the block (tests' own loopback servers). */
  allowedEndpoints: ReadonlySet<string>
}

// Instance metadata services hand out credentials: never reachable, whatever the setting.
const METADATA = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192'])
// The only IPv6 block assigned for global unicast; ipaddr.js calls IPv4-compatible `::7f00:1` unicast too.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

/** `public`, `metadata` or ipaddr.js's name of a special range (`loopback`, `private`, `linkLocal`...). */
export function addressRange(address: string): string {
  // process() turns `::ffff:127.0.0.1` into `127.0.0.1`, so mapped forms classify as what they reach.
  const ip = ipaddr.process(address)
  if (METADATA.has(ip.toString())) return 'metadata'
  const range = ip.range()
  // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits: judge that one.
  if (range === 'rfc6052') return addressRange(ipaddr.fromByteArray(ip.toByteArray().slice(12)).toString())
  if (range !== 'unicast') return range
  if (ip instanceof ipaddr.IPv6 && !ip.match(GLOBAL_UNICAST_V6)) return 'reserved'
  return 'public'
}

const endpoint = (address: string, port: number) => `${ipaddr.process(address).toString()}:${port}`

/**
 * The blocked range `address:port` is in (`loopback`, `link-local`, `cloud metadata`...), or
 * undefined when allowed.
 */
export function refusal(policy: AddressPolicy, address: string, port: number): string | undefined {
  const range = addressRange(address)
  if (range === 'public') return undefined
  if (range === 'metadata') return 'cloud metadata'
  if (policy.allowPrivate || policy.allowedEndpoints.has(endpoint(address, port))) return undefined
  return range.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/**
 * `false` (default), `true`, or a comma list of `address:port` (IPv6 in brackets), e.g.
 * `127.0.0.1:8080,[::1]:8080`. Addresses must be literal: a name could resolve elsewhere later.
 */
export function parseAddressPolicy(setting: string, name = 'ALLOW_PRIVATE_IMAGE_URLS'): AddressPolicy {
  const value = setting.trim()
  if (value === 'true' || value === 'false') return { allowPrivate: value === 'true', allowedEndpoints: new Set() }
  const endpoints = value.split(',').map((entry) => {
    const match = /^(?:\[([\da-f:.]+)\]|([\d.]+)):(\d{1,5})$/i.exec(entry.trim())
    const address = match?.[1] ?? match?.[2] ?? ''
    const port = Number(match?.[3])
    if (!isIP(address) || port < 1 || port > 65535) {
      throw new Error(`${name}: not an address:port: "${entry}"`)
    }
    return endpoint(address, port)
  })
  return { allowPrivate: false, allowedEndpoints: new Set(endpoints) }
}
