import { describe, expect, it } from 'vitest'
import { Prisma, type Product } from '../../../src/generated/prisma/client.ts'
import { productView } from '../../../src/routes/products/view.ts'
import { isDeliveryMessage, productEvent } from '../../../src/webhooks/event.ts'

const row = (fields: Partial<Product> = {}): Product => ({
  product_id: 7,
  user_id: 3,
  product_name: 'Lamp',
  product_description: 'Brass',
  product_images: ['https://images.example/lamp.jpg'],
  product_price: new Prisma.Decimal('49.95'),
  compressed_product_images: ['/data/7/0.webp'],
  images: [],
  status: 'done',
  image_errors: [],
  queued_at: new Date('2026-12-06T10:00:00.000Z'),
  created_at: new Date('2026-12-06T10:00:00.000Z'),
  updated_at: new Date('2026-12-06T10:00:01.234Z'),
  ...fields,
})

describe('productEvent', () => {
  it('is the product as GET /products/:id shows it, at the time of its commit', () => {
    expect(productEvent(row())).toEqual({
      webhookId: `product_7_done_${Date.parse('2026-12-06T10:00:01.234Z')}`,
      payload: { type: 'product.done', timestamp: '2026-12-06T10:00:01.234Z', data: productView(row()) },
    })
  })

  it('is product.failed for a failed product', () => {
    const failed = row({ status: 'failed', image_errors: [{ index: 0, url: 'u', code: 'http_404', message: 'm' }] })
    expect(productEvent(failed)?.payload.type).toBe('product.failed')
    expect(productEvent(failed)?.webhookId).toMatch(/^product_7_failed_/)
  })

  it('is the same for the same committed row, and new for each new commit', () => {
    expect(productEvent(row())).toEqual(productEvent(row()))
    const later = row({ updated_at: new Date('2026-12-06T11:00:00.000Z') })
    expect(productEvent(later)?.webhookId).not.toBe(productEvent(row())?.webhookId)
  })

  it.each(['pending', 'processing'] as const)('is nothing while the product is %s', (status) => {
    expect(productEvent(row({ status }))).toBeUndefined()
  })

  it('makes a message that the consumer accepts, and refuses others', () => {
    const { webhookId, payload } = productEvent(row())!
    // What the consumer gets back is the JSON of what was published.
    const message = JSON.parse(JSON.stringify({ endpoint_id: 1, webhook_id: webhookId, payload }))
    expect(isDeliveryMessage(message)).toBe(true)
    for (const bad of [null, {}, { ...message, endpoint_id: 0 }, { ...message, payload: { ...payload, type: 'x' } }]) {
      expect(isDeliveryMessage(bad)).toBe(false)
    }
  })
})
