import { Prisma } from '../../../../src/generated/prisma/client.ts'
import { describe, expect, it } from 'vitest'
import type { ImageRecord } from '../../../../src/images/image-record.ts'
import { productChange } from '../../../../src/routes/products/change.ts'

const record = (index: number, name: string): ImageRecord => ({
  index,
  path: `/srv/images/7/${name}.1a2b3c4d.webp`,
  width: 800,
  height: 600,
  bytes: 1000,
  format: 'webp',
  variants: [{ width: 256, height: 192, bytes: 100, path: `/srv/images/7/${name}.1a2b3c4d.256w.webp` }],
  thumbhash: 'YJqGPQw7sFlslqhFafSE+Q6oJ1h2iHB2Rw',
  dominant_color: '#5a6b7c',
})
const row = {
  product_id: 7,
  user_id: 1,
  product_name: 'Chair',
  product_description: 'Oak',
  product_images: ['https://shop.example/a.jpg', 'https://shop.example/b.jpg'],
  product_price: new Prisma.Decimal(120),
  compressed_product_images: ['/srv/images/7/a.1a2b3c4d.webp', '/srv/images/7/b.1a2b3c4d.webp'],
  status: 'done' as const,
  images: [record(0, 'a'), record(1, 'b')],
  image_errors: [],
  queued_at: new Date(),
  created_at: new Date(),
  updated_at: new Date(),
}

describe('productChange', () => {
  it('writes only the fields given when the images stay', () => {
    expect(productChange(row, { product_name: 'Stool', product_images: [...row.product_images] })).toEqual({
      data: { product_name: 'Stool' },
      superseded: [],
    })
  })

  it('new images: keeps the records of URLs that stay, queues the product again, supersedes the rest', () => {
    const { data, superseded } = productChange(row, {
      product_images: ['https://shop.example/c.jpg', 'https://shop.example/a.jpg'],
    })
    expect(data).toEqual({
      product_images: ['https://shop.example/c.jpg', 'https://shop.example/a.jpg'],
      images: [record(1, 'a')],
      compressed_product_images: ['/srv/images/7/a.1a2b3c4d.webp'],
      image_errors: [],
      status: 'pending',
      queued_at: null,
    })
    expect(superseded.sort()).toEqual(['7/b.1a2b3c4d.256w.webp', '7/b.1a2b3c4d.webp'])
  })

  it('the same URLs in another order are new images too: positions change, files stay', () => {
    const { data, superseded } = productChange(row, { product_images: [...row.product_images].reverse() })
    expect(data).toMatchObject({ status: 'pending', images: [record(0, 'b'), record(1, 'a')] })
    expect(superseded).toEqual([])
  })
})
