import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

// What `products.images` holds for each stored image, in source order: enough for a page to lay
// the image out before its bytes arrive, and for the worker to tell whether it is still current.

export const VariantRecord = Type.Object({
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  bytes: Type.Integer({ minimum: 1 }),
  path: Type.String({ description: 'where the variant is stored, like compressed_product_images' }),
})
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type VariantRecord = Static<typeof VariantRecord>

export const ImageRecord = Type.Object({
  index: Type.Integer({ minimum: 0, description: 'position in product_images' }),
  path: Type.String({
    description: 'where the main image is stored: the same as its entry in compressed_product_images',
  }),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  bytes: Type.Integer({ minimum: 1 }),
  format: Type.String({ description: 'webp, jpeg or avif (IMAGE_FORMAT)' }),
  variants: Type.Array(VariantRecord, { description: 'narrower copies (IMAGE_VARIANT_WIDTHS), narrowest first' }),
  thumbhash: Type.String({ description: 'ThumbHash placeholder, base64' }),
  dominant_color: Type.String({ pattern: '^#[0-9a-f]{6}$' }),
})
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type ImageRecord = Static<typeof ImageRecord>

/** The well-formed records of a stored `images` value; anything else (a row edited by hand) is left out. */
export const imageRecords = (json: unknown): ImageRecord[] =>
  Array.isArray(json) ? json.filter((entry): entry is ImageRecord => Value.Check(ImageRecord, entry)) : []

/** Every file a record names, main image first. */
export const pathsOf = (record: ImageRecord): string[] => [
  record.path,
  ...record.variants.map((variant) => variant.path),
]
