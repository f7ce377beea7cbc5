import type { BrokerAsPromised } from 'rascal'
import type { Db } from '../db/client.ts'
import { publishConfirmed } from '../queue/broker.ts'
import { productEvent, type DeliveryMessage } from './event.ts'
import { EVENT_PUBLICATION } from './topology.ts'

/**
 * Queues the event of a product's committed row (done or failed) for each enabled endpoint of its
 * user, and resolves once RabbitMQ has confirmed every message; does nothing for a product that is
 * not settled. The worker calls it before acking the product's message, so a crash in between
 * redelivers that message, which announces the same row, hence the same webhook-id, again.
 * Resolves to the number of endpoints the event was queued for.
 */
export async function announceProduct(db: Db, broker: BrokerAsPromised, productId: number): Promise<number> {
  const row = await db.product.findUnique({ where: { product_id: productId } })
  const event = row ? productEvent(row) : undefined
  if (!row || !event) return 0
  const endpoints = await db.webhookEndpoint.findMany({
    where: { user_id: row.user_id, disabled_at: null },
    select: { id: true },
  })
  await Promise.all(
    endpoints.map(({ id }) => {
      const message: DeliveryMessage = { endpoint_id: id, webhook_id: event.webhookId, payload: event.payload }
      return publishConfirmed(broker, EVENT_PUBLICATION, message, `webhook ${event.webhookId} to endpoint ${id}`)
    }),
  )
  return endpoints.length
}
