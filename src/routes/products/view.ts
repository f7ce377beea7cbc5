import type { Product as ProductRow } from '../../generated/prisma/client.ts'
import { imageRecords, type ImageRecord } from '../../images/image-record.ts'
import { keyOfLocation } from '../../images/storage/image-keys.ts'
import { IMAGES_PREFIX } from '../images.ts'
import type { Image, Product } from './schema.ts'

/** The URL path of a stored image (a local path or an S3 URI), relative to the API's origin. */
export const imageUrl = (location: string): string => IMAGES_PREFIX + keyOfLocation(location)

/** An image's record with the URL of each file and a `srcset` of them all, narrowest first. */
export function imageView(record: ImageRecord): Image {
  const url = imageUrl(record.path)
  const variants = record.variants.map((variant) => ({ ...variant, url: imageUrl(variant.path) }))
  const srcset = [...variants, { url, width: record.width }].map((file) => `${file.url} ${file.width}w`).join(', ')
  return { ...record, url, variants, srcset }
}

/** The stored row as the API shows it: the price as a JSON number, dates as ISO strings, image URLs. */
export function productView(row: ProductRow): Product {
  const { queued_at: _internal, ...fields } = row
  return {
    ...fields,
    product_price: row.product_price.toNumber(),
    compressed_image_urls: row.compressed_product_images.map(imageUrl),
    images: imageRecords(row.images).map(imageView),
    image_errors: row.image_errors as Product['image_errors'],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}
