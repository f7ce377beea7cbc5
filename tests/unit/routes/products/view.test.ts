import { describe, expect, it } from 'vitest'
import { Prisma } from '../../../../src/generated/prisma/client.ts'
import type { ImageRecord } from '../../../../src/images/image-record.ts'
import { imageUrl, imageView, productView } from '../../../../src/routes/products/view.ts'

const record: ImageRecord = {
  index: 0,
  path: '/data/5/0.1a2b3c4d.webp',
  width: 2048,
  height: 1366,
  bytes: 300_000,
  format: 'webp',
  variants: [
    { width: 256, height: 171, bytes: 9_000, path: '/data/5/0.1a2b3c4d.256w.webp' },
    { width: 640, height: 427, bytes: 40_000, path: '/data/5/0.1a2b3c4d.640w.webp' },
  ],
  thumbhash: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
  dominant_color: '#7f6a55',
}

describe('productView', () => {
  const row = {
    product_id: 5,
    user_id: 1,
    product_name: 'Lamp',
    product_description: 'A lamp',
    product_images: ['http://x/a.jpg'],
    product_price: new Prisma.Decimal('19.99'),
    compressed_product_images: ['/data/5/0.webp'],
    images: [] as ImageRecord[],
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
      images: [],
      status: 'done',
      image_errors: [],
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:02.000Z',
    })
  })

  it('shows each stored image with its URLs, and leaves out records edited into nonsense', () => {
    const view = productView({
      ...row,
      compressed_product_images: [record.path],
      images: [record, { index: 1, path: 42 }],
    })
    expect(view.images).toEqual([imageView(record)])
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

describe('imageView', () => {
  it('gives every file its URL and lists them, narrowest first, as a srcset', () => {
    const view = imageView(record)
    expect(view.url).toBe('/images/5/0.1a2b3c4d.webp')
    expect(view.variants.map((v) => v.url)).toEqual([
      '/images/5/0.1a2b3c4d.256w.webp',
      '/images/5/0.1a2b3c4d.640w.webp',
    ])
    expect(view.srcset).toBe(
      '/images/5/0.1a2b3c4d.256w.webp 256w, /images/5/0.1a2b3c4d.640w.webp 640w, /images/5/0.1a2b3c4d.webp 2048w',
    )
    expect(view).toMatchObject({
      width: 2048,
      height: 1366,
      bytes: 300_000,
      format: 'webp',
      thumbhash: record.thumbhash,
      dominant_color: '#7f6a55',
    })
  })

  it('is the main file alone when there are no variants', () => {
    expect(imageView({ ...record, variants: [] }).srcset).toBe('/images/5/0.1a2b3c4d.webp 2048w')
  })
})
