import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { REQUIRES_API_KEY } from '../../auth/authenticate.ts'
import { visibleTo } from '../../auth/principal.ts'
import type { Product as ProductRow } from '../../generated/prisma/client.ts'
import { carryOver, imageRecords } from '../../images/image-record.ts'
import { recordSuperseded, supersededBy } from '../../images/retention.ts'
import type { ProductRoutesOptions } from './index.ts'
import { commonAnswers, errorReply, ErrorReply } from '../replies.ts'
import { notFound, Product, ProductParams, updateProductBody, type UpdateProductBody } from './schema.ts'
import { productView } from './view.ts'

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((item, i) => item === b[i])

/**
 * The columns a PATCH writes. New images queue the product again through the outbox: an image
 * whose URL stays keeps its record (its files are named by its URL), the others' files are
 * superseded; the worker makes what is missing.
 */
export function productChange(row: ProductRow, body: UpdateProductBody) {
  const { product_images: images, ...fields } = body
  if (images === undefined || sameList(images, row.product_images)) return { data: fields, superseded: [] }
  const records = carryOver(imageRecords(row.images), row.product_images, images)
  const named = { compressed_product_images: records.map((record) => record.path), images: records }
  return {
    data: {
      ...fields,
      product_images: images,
      ...named,
      image_errors: [],
      status: 'pending' as const,
      queued_at: null,
    },
    superseded: supersededBy(row, named),
  }
}

/** PATCH and DELETE of a product: a product's whole life beside its creation (index.ts). */
const changeProducts: FastifyPluginAsyncTypebox<ProductRoutesOptions> = async (
  app,
  { db, onProductCreated, limits },
) => {
  const tags = ['products']
  const security = REQUIRES_API_KEY
  const updateBody = updateProductBody(limits)

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'updateProduct',
        summary: "Change a product's fields or images",
        description:
          'Any of product_name, product_description, product_price and product_images, each checked as on ' +
          'create. New images queue the product again (status pending): an image whose URL stays keeps its ' +
          "files, new ones are made, and removed ones' files are deleted after IMAGE_RETENTION_HOURS. Changing " +
          'the images of a product that is pending or processing answers 409, as reprocess does.',
        params: ProductParams,
        body: updateBody,
        response: { 200: Product, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const id = request.params.id
      // Ajv drops properties the schema does not name (user_id among them) before minProperties can see them.
      if (Object.keys(request.body).length === 0) {
        const message = `body must name at least one of ${Object.keys(updateBody.properties).join(', ')}`
        return reply.code(400).send(errorReply(400, message))
      }
      const visible = { product_id: id, ...visibleTo(request.principal) }
      const row = await db.product.findFirst({ where: visible })
      if (!row) return reply.code(404).send(notFound(id))
      const { data, superseded } = productChange(row, request.body)
      const requeued = 'status' in data
      if (requeued && (row.status === 'pending' || row.status === 'processing')) {
        const message = `product ${id} is ${row.status}: change its images once it is done or failed`
        return reply.code(409).send(errorReply(409, message))
      }
      // New images apply only to the image list and the settled status they were worked out from.
      const unchanged = requeued ? { product_images: { equals: row.product_images }, status: row.status } : {}
      const updated = await db.$transaction(async (tx) => {
        const [product] = await tx.product.updateManyAndReturn({ where: { ...visible, ...unchanged }, data })
        if (product && superseded.length > 0) await recordSuperseded(tx, id, superseded)
        return product
      })
      if (!updated) {
        const message = `product ${id} changed meanwhile (another change, or its processing): try again`
        return reply.code(409).send(errorReply(409, message))
      }
      if (requeued) onProductCreated(id)
      return productView(updated)
    },
  )

  // The row goes at once, with a deletion record in the same transaction; a worker removes the files
  // (product-deletion.ts), so a crash anywhere leaves the deletion to finish, never files for good.
  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'deleteProduct',
        summary: 'Delete a product and every file it ever had',
        description:
          'The product is gone at once (404 from then on); its files (images, variants, originals, files under ' +
          'earlier settings) are removed by a worker shortly after, even across crashes.',
        params: ProductParams,
        response: { 204: Type.Null({ description: 'deleted' }), 400: ErrorReply, 404: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const id = request.params.id
      const deleted = await db.$transaction(async (tx) => {
        const { count } = await tx.product.deleteMany({ where: { product_id: id, ...visibleTo(request.principal) } })
        if (count === 1) await tx.productDeletion.create({ data: { product_id: id } })
        return count === 1
      })
      if (!deleted) return reply.code(404).send(notFound(id))
      onProductCreated(id)
      return reply.code(204).send(null)
    },
  )
}

export default changeProducts
