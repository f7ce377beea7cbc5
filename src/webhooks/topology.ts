import type { BrokerConfig, Recovery } from 'rascal'

// Names in rascal.config.json.
export const EVENT_PUBLICATION = 'webhook_event'
export const DELIVERY_SUBSCRIPTION = 'deliver_webhook'

/**
 * The recovery chain of the delivery subscription: one forward a wait queue, then webhooks.dead.
 * From a broker's own config (rascal moves the subscriptions to its top level) or rascal.config.json's.
 */
export function deliveryRecovery(config: BrokerConfig): Recovery[] {
  type Subscriptions = Record<string, { recovery?: Recovery[] }> | undefined
  const subscriptions = (config.subscriptions ?? config.vhosts?.['/']?.subscriptions) as Subscriptions
  const recovery = subscriptions?.[DELIVERY_SUBSCRIPTION]?.recovery
  if (!recovery?.length) {
    throw new Error(`rascal.config.json: subscription ${DELIVERY_SUBSCRIPTION} declares no recovery`)
  }
  return recovery
}
