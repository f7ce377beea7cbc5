import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { keyOfLocation } from './storage/image-keys.ts'

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
  original: Type.Optional(
    Type.String({ description: 'where the source is kept as downloaded (KEEP_ORIGINALS); never served' }),
  ),
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

/** What the worker records on a product, as far as the files it names go. */
export interface NamedFiles {
  compressed_product_images: string[]
  images: unknown
}

/**
 * The key of every file a product names: its main files (in compressed_product_images, which also
 * covers products processed before `images` existed), variants and kept originals. Any other file
 * of the product is superseded or an orphan.
 */
export const namedKeys = ({ compressed_product_images: paths, images }: NamedFiles): Set<string> =>
  new Set(
    [...paths, ...imageRecords(images).flatMap((record) => [...pathsOf(record), record.original ?? []].flat())].map(
      keyOfLocation,
    ),
  )

/**
 * The records that stay when product_images changes from `before` to `after`: an image whose URL
 * stays keeps its record (and so its files, named by its URL) at its new position; the records of
 * URLs no longer listed are dropped, their files superseded.
 */
export function carryOver(records: ImageRecord[], before: string[], after: string[]): ImageRecord[] {
  const byUrl = new Map(records.map((record) => [before[record.index], record]))
  return after.flatMap((url, index) => {
    const record = byUrl.get(url)
    return record ? [{ ...record, index }] : []
  })
}
