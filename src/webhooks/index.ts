import type { BrokerAsPromised } from 'rascal'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import { parseAddressPolicy } from '../images/address-policy.ts'
import type { Logger } from '../logger.ts'
import { announceProduct } from './announce.ts'
import { subscribeToDeliveries } from './delivery.ts'
import { createSender } from './send.ts'
import { deliveryRecovery } from './topology.ts'

export interface Webhooks {
  /** Queues the event of a product that has settled (done or failed); nothing for one that has not. */
  announce(productId: number): Promise<void>
  /** Takes no new deliveries, lets those in hand finish (or hands them back). */
  stop(): Promise<void>
}

export interface WebhooksDeps {
  config: Config
  db: Db
  broker: BrokerAsPromised
  log: Logger
}

/** The worker's side of webhooks: it announces settled products and delivers their events. */
export async function startWebhooks({ config, db, broker, log }: WebhooksDeps): Promise<Webhooks> {
  const stopping = new AbortController()
  const sender = createSender({
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    addressPolicy: parseAddressPolicy(config.ALLOW_PRIVATE_WEBHOOK_URLS, 'ALLOW_PRIVATE_WEBHOOK_URLS'),
  })
  const subscription = await subscribeToDeliveries({
    db,
    sender,
    log,
    broker,
    recovery: deliveryRecovery(broker.config),
    prefetch: config.WEBHOOK_PREFETCH,
    stopping: stopping.signal,
  })
  return {
    async announce(productId) {
      const endpoints = await announceProduct(db, broker, productId)
      if (endpoints > 0) log.debug({ product_id: productId, endpoints }, 'product event queued for webhooks')
    },
    async stop() {
      stopping.abort()
      await subscription.cancel()
      await sender.close()
    },
  }
}
