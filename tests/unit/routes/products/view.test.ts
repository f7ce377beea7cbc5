import { describe, expect, it } from 'vitest'
import { Prisma } from '../../../../src/generated/prisma/client.ts'
import { imageUrl, productView } from '../../../../src/routes/products/view.ts'

describe('productView', () => {
  const row = {
    product_id: 5,
    user_id: 1,
    product_name: 'Lamp',
    product_description: 'A lamp',
    product_images: ['http://x/a.jpg'],
    product_price: new Prisma.Decimal('19.99'),
    compressed_product_images: ['/data/5/0.webp'],
    status: 'done' as const,
    image_errors: [],
    queued_at: new Date('2026-01-01T00:00:01Z'),
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-01T00:00:02Z'),
  }

  it('shows the price as a number, dates as ISO strings and where each image is served', () => {
    expect(productView(row)).toEqual({
      product_id: 5,
      user_id: 1,
      product_name: 'Lamp',
      product_description: 'A lamp',
      product_images: ['http://x/a.jpg'],
      product_price: 19.99,
      compressed_product_images: ['/data/5/0.webp'],
      compressed_image_urls: ['/images/5/0.webp'],
      status: 'done',
      image_errors: [],
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:02.000Z',
    })
  })

  it('keeps the outbox bookkeeping out of the API', () => {
    expect(productView(row)).not.toHaveProperty('queued_at')
  })
})

describe('imageUrl', () => {
  it('is the image key under /images/, for a local path and an S3 URI alike', () => {
    expect(imageUrl('/srv/images/42/3.webp')).toBe('/images/42/3.webp')
    expect(imageUrl('s3://product-images/42/3.webp')).toBe('/images/42/3.webp')
  })
})
