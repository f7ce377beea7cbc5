import { lookup } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { buildConnector } from 'undici'
import { refusal, type AddressPolicy } from './address-policy.ts'
import { PermanentImageError } from './errors.ts'

interface Resolved {
  address: string
  family: number
}

const resolve = async (hostname: string): Promise<Resolved[]> =>
  isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : lookup(hostname, { all: true })

/** Hands the socket exactly the addresses that were checked: no second lookup to rebind. */
const pinnedLookup =
  (addresses: Resolved[]): LookupFunction =>
  (_hostname, options, callback) => {
    if (options.all) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  }

/** Refuses `host:port`: `address` (one it resolved to, or the connected peer) is in the blocked `range`. */
const blocked = ({ host, port, address, range }: { host: string; port: number; address: string; range: string }) =>
  new PermanentImageError(
    'blocked_address',
    `${host}:${port}${host === address ? '' : ` (${address})`} is in a blocked range (${range})`,
  )

/**
 * The addresses `host` resolves to, when the policy allows every one of them on `port`; else a
 * PermanentImageError `blocked_address`. Also for checking a URL before anything connects to it.
 */
export async function checkedAddresses(policy: AddressPolicy, host: string, port: number): Promise<Resolved[]> {
  const addresses = await resolve(host)
  for (const { address } of addresses) {
    const why = refusal(policy, address, port)
    if (why) throw blocked({ host, port, address, range: why })
  }
  return addresses
}

/**
 * An undici connector (one per downloader) that only connects where the policy allows. It
 * resolves the host itself, refuses it when any address is refused, connects to those same
 * addresses, and checks the peer once connected. Every connection, hence every redirect hop,
 * goes through it. A connector is built per connection because net's `lookup` hook is not told
 * the port, and the allow-list is per address and port (this forgoes TLS session reuse).
 */
export function guardedConnector(
  policy: AddressPolicy,
  options: buildConnector.BuildOptions,
): buildConnector.connector {
  return (target, callback) => {
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80)
    const connect = (addresses: Resolved[]) =>
      buildConnector({ ...options, lookup: pinnedLookup(addresses) })(target, (error, socket) => {
        if (error) return callback(error, null)
        const peer = socket.remoteAddress
        const why = peer && refusal(policy, peer, socket.remotePort ?? port)
        if (peer && !why) return callback(null, socket)
        socket.destroy()
        callback(
          why
            ? blocked({ host: target.hostname, port, address: peer!, range: why })
            : new Error('the connection closed before its peer could be checked'),
          null,
        )
      })
    checkedAddresses(policy, target.hostname, port).then(connect, (error: Error) => callback(error, null))
  }
}
