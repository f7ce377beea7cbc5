import { type Static, Type } from '@sinclair/typebox'
import { ImageRecord, VariantRecord } from '../../images/image-record.ts'
import { errorReply } from '../replies.ts'

/**
 * The largest number an int4 column (product_id, user_id) holds: a larger one is the client's error,
 * not the database's.
 */
export const INT4_MAX = 2147483647

export interface ProductLimits {
  maxImages: number
  maxUrlLength: number
}

/**
 * The body of POST /products. `imageUrl`, `text` and `maxDecimals` are our Ajv keywords
 * (keywords.ts): http(s) without credentials, no control characters, cents at most.
 */
export const createProductBody = ({ maxImages, maxUrlLength }: ProductLimits) =>
  Type.Object(
    {
      user_id: Type.Integer({ minimum: 1, maximum: INT4_MAX }),
      product_name: Type.String({ minLength: 1, maxLength: 200, text: 'line' }),
      product_description: Type.String({ maxLength: 5000, text: 'paragraph' }),
      product_images: Type.Array(Type.String({ maxLength: maxUrlLength, imageUrl: true }), {
        minItems: 1,
        maxItems: maxImages,
      }),
      // numeric(12, 2): ten digits before the point, two after.
      product_price: Type.Number({ minimum: 0, maximum: 9999999999.99, maxDecimals: 2 }),
    },
    { additionalProperties: false },
  )
export type CreateProductBody = Static<ReturnType<typeof createProductBody>>

/** The body of PATCH /products/:id: any of the product's own fields, each as on create; its user stays. */
export const updateProductBody = (limits: ProductLimits) => {
  const { user_id: _owner, ...fields } = createProductBody(limits).properties
  return Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 })
}
export type UpdateProductBody = Static<ReturnType<typeof updateProductBody>>

export const ProductParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: INT4_MAX }) })

export const ImageFailure = Type.Object({
  index: Type.Integer(),
  url: Type.String(),
  code: Type.String({ description: 'machine-readable reason, e.g. http_404, not_an_image, timeout, unavailable' }),
  message: Type.String({ description: 'a fixed sentence for the code; network details go to the worker log only' }),
})

export const ProductStatus = Type.Union(['pending', 'processing', 'done', 'failed'].map((s) => Type.Literal(s)))

const url = Type.String({ description: 'where the API serves the file, relative to its origin' })

export const Image = Type.Object(
  {
    ...ImageRecord.properties,
    url,
    variants: Type.Array(Type.Object({ ...VariantRecord.properties, url }), {
      description: 'narrower copies (IMAGE_VARIANT_WIDTHS), narrowest first',
    }),
    srcset: Type.String({ description: 'every file of the image with its width, for <img srcset>' }),
  },
  { description: 'a stored image: the main file, its variants and a placeholder' },
)
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type Image = Static<typeof Image>

export const Product = Type.Object({
  product_id: Type.Integer(),
  user_id: Type.Integer(),
  product_name: Type.String(),
  product_description: Type.String(),
  product_images: Type.Array(Type.String()),
  product_price: Type.Number(),
  compressed_product_images: Type.Array(Type.String(), {
    description:
      'where the stored images are, in the order of product_images: ' +
      'absolute paths, or s3://<bucket>/<key> with STORAGE=s3',
  }),
  compressed_image_urls: Type.Array(Type.String(), {
    description: 'where the API serves compressed_product_images, same order',
  }),
  images: Type.Array(Image, {
    description:
      'the stored images in the order of compressed_product_images, with sizes, variants and placeholders; ' +
      'empty for products processed before variants existed, until reprocessed',
  }),
  status: ProductStatus,
  image_errors: Type.Array(ImageFailure),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
// eslint-disable-next-line @typescript-eslint/no-redeclare -- TypeBox's idiom: a schema and its type share a name
export type Product = Static<typeof Product>

export const ProductList = Type.Object({
  items: Type.Array(Product),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as `cursor` for the next page; null on the last page',
  }),
})

export const ListQuery = Type.Object({
  user_id: Type.Optional(Type.Integer({ minimum: 1, maximum: INT4_MAX })),
  // A string, as next_cursor is; `numericMaximum` (keywords.ts) keeps it to what product_id holds.
  cursor: Type.Optional(
    Type.String({
      pattern: '^[1-9][0-9]*$',
      numericMaximum: INT4_MAX,
      description: 'next_cursor of the previous page',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
})

// Another user's product answers exactly as a missing one: a key learns nothing of others' products.
export const notFound = (id: number) => errorReply(404, `product ${id} does not exist`)
