import type { Product as ProductRow } from '../../generated/prisma/client.ts'
import type { Product } from './schema.ts'

/** The stored row as the API shows it: the price as a JSON number, dates as ISO strings. */
export function productView(row: ProductRow): Product {
  const { queued_at: _internal, ...fields } = row
  return {
    ...fields,
    product_price: row.product_price.toNumber(),
    image_errors: row.image_errors as Product['image_errors'],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}
