import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Product as ProductRow } from '../generated/prisma/client.ts'
import { productView } from '../routes/products/view.ts'

export const EVENT_TYPES = ['product.done', 'product.failed'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** A product event as Standard Webhooks shapes a payload: its type, when it happened, and the data. */
export const EventPayload = Type.Object({
  type: Type.Union(EVENT_TYPES.map((type) => Type.Literal(type))),
  timestamp: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
})
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type EventPayload = Static<typeof EventPayload>

/** What waits in webhooks.deliver: one event for one endpoint, signed afresh at each attempt. */
export const DeliveryMessage = Type.Object({
  endpoint_id: Type.Integer({ minimum: 1 }),
  webhook_id: Type.String({ minLength: 1, maxLength: 200 }),
  payload: EventPayload,
})
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type DeliveryMessage = Static<typeof DeliveryMessage>

export const isDeliveryMessage = (content: unknown): content is DeliveryMessage => Value.Check(DeliveryMessage, content)

/** A settled product is done or failed; anything else has no event (yet). */
const settledType = (row: ProductRow): EventType | undefined =>
  row.status === 'done' ? 'product.done' : row.status === 'failed' ? 'product.failed' : undefined

/**
 * The event a product's committed row announces, or undefined while it is not settled. Its id comes
 * from the row (product, status, the commit's updated_at), not from a counter or a clock: announcing
 * the same row again (a redelivered product message) gives the same webhook-id, which receivers drop
 * as a duplicate, while reprocessing gives a new one.
 */
export function productEvent(row: ProductRow): { webhookId: string; payload: EventPayload } | undefined {
  const type = settledType(row)
  if (!type) return undefined
  return {
    webhookId: `product_${row.product_id}_${row.status}_${row.updated_at.getTime()}`,
    payload: { type, timestamp: row.updated_at.toISOString(), data: productView(row) },
  }
}
