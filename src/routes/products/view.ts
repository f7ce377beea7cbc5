import path from 'node:path'
import type { Product as ProductRow } from '../../generated/prisma/client.ts'
import type { Product } from './schema.ts'

/** Where the API serves IMAGES_DIR. */
export const IMAGES_PREFIX = '/images/'

/** The URL path of a stored image, relative to the API's origin. */
export const imageUrl = (imagesDir: string, file: string): string => IMAGES_PREFIX + path.relative(imagesDir, file).split(path.sep).join('/')

/** The stored row as the API shows it: the price as a JSON number, dates as ISO strings, image URLs. */
export function productView(row: ProductRow, imagesDir: string): Product {
  const { queued_at: _internal, ...fields } = row
  return {
    ...fields,
    product_price: row.product_price.toNumber(),
    compressed_image_urls: row.compressed_product_images.map((file) => imageUrl(imagesDir, file)),
    image_errors: row.image_errors as Product['image_errors'],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}
