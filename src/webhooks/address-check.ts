import type { AddressPolicy } from '../images/address-policy.ts'
import { PermanentImageError } from '../images/errors.ts'
import { checkedAddresses } from '../images/guarded-connector.ts'

/**
 * Why the policy refuses a webhook URL (already well formed) now, or undefined: every address its
 * host resolves to is checked, as the worker's connector checks them again at each delivery.
 */
export async function webhookAddressProblem(policy: AddressPolicy, text: string): Promise<string | undefined> {
  const url = new URL(text)
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  try {
    await checkedAddresses(policy, host, port)
    return undefined
  } catch (error) {
    if (error instanceof PermanentImageError) return error.message
    return `${host} could not be resolved`
  }
}
