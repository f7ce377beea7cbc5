import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { REQUIRES_API_KEY } from '../../auth/authenticate.ts'
import { mayActFor, visibleTo } from '../../auth/principal.ts'
import type { Db } from '../../db/client.ts'
import { isMissingReference } from '../../db/errors.ts'
import { commonAnswers, errorReply, ErrorReply, forbidden, unknownUser } from '../replies.ts'
import {
  createProductBody,
  ListQuery,
  Product,
  ProductList,
  notFound,
  ProductParams,
  type ProductLimits,
} from './schema.ts'
import { productsCreated } from '../../metrics.ts'
import { productView } from './view.ts'

export interface ProductRoutesOptions {
  db: Db
  /**
   * Called after a product's message is committed to the outbox (a product created, reprocessed,
   * changed or deleted), to publish it without waiting for the relay's next tick.
   */
  onProductCreated: (productId: number) => void
  limits: ProductLimits
}

/** The products routes; `authenticate` runs before each, so `request.principal` is the key's owner. */
const products: FastifyPluginAsyncTypebox<ProductRoutesOptions> = async (app, { db, onProductCreated, limits }) => {
  const tags = ['products']
  const security = REQUIRES_API_KEY

  app.post(
    '',
    {
      schema: {
        tags,
        security,
        operationId: 'createProduct',
        summary: 'Store a product and queue its images',
        description: "A user's key may create products for its own user only; an admin key for any user.",
        body: createProductBody(limits),
        response: {
          201: Product,
          400: ErrorReply,
          403: ErrorReply,
          413: ErrorReply,
          422: ErrorReply,
          ...commonAnswers,
        },
      },
    },
    async (request, reply) => {
      const { principal, body } = request
      if (!mayActFor(principal, body.user_id)) {
        return reply.code(403).send(forbidden('create products'))
      }
      try {
        const row = await db.product.create({ data: body })
        productsCreated.inc()
        onProductCreated(row.product_id)
        return reply.code(201).send(productView(row))
      } catch (error) {
        if (!isMissingReference(error)) throw error
        return reply.code(422).send(unknownUser(body.user_id))
      }
    },
  )

  // Newest first; the cursor is the last product_id of the previous page, so pages stay stable
  // while products are added.
  app.get(
    '',
    {
      schema: {
        tags,
        security,
        operationId: 'listProducts',
        summary: 'List products, newest first',
        description: "A user's key sees its own user's products only; an admin key sees every product.",
        querystring: ListQuery,
        response: { 200: ProductList, 400: ErrorReply, ...commonAnswers },
      },
    },
    async (request) => {
      const { user_id: userId, cursor, limit } = request.query
      const rows = await db.product.findMany({
        where: {
          AND: [
            visibleTo(request.principal),
            { user_id: userId, product_id: cursor ? { lt: Number(cursor) } : undefined },
          ],
        },
        orderBy: { product_id: 'desc' },
        take: limit + 1,
      })
      const page = rows.slice(0, limit)
      return {
        items: page.map((row) => productView(row)),
        next_cursor: rows.length > limit ? String(page.at(-1)!.product_id) : null,
      }
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'getProduct',
        summary: 'A product with its processing status',
        params: ProductParams,
        response: { 200: Product, 400: ErrorReply, 404: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const row = await db.product.findFirst({
        where: { product_id: request.params.id, ...visibleTo(request.principal) },
      })
      if (!row) return reply.code(404).send(notFound(request.params.id))
      return productView(row)
    },
  )

  // Queued again through the outbox, as a new product is. Only a settled product (done or failed)
  // is: one already queued or being processed answers 409, so calls never pile up messages, and
  // the worker's product lock keeps two workers off the same product.
  app.post(
    '/:id/reprocess',
    {
      schema: {
        tags,
        security,
        operationId: 'reprocessProduct',
        summary: "Process a product's images again",
        description:
          'After a failed source is back, or the image settings changed. Images already stored under the ' +
          'current settings are kept, the rest are made again; the status goes back through pending and processing.',
        params: ProductParams,
        response: { 202: Product, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const id = request.params.id
      const visible = { product_id: id, ...visibleTo(request.principal) }
      const { count } = await db.product.updateMany({
        where: { ...visible, status: { in: ['done', 'failed'] } },
        data: { status: 'pending', queued_at: null },
      })
      const row = await db.product.findFirst({ where: visible })
      if (!row) return reply.code(404).send(notFound(id))
      if (count === 0) {
        const message =
          `product ${id} is ${row.status}: it is already queued or being processed; ` +
          'reprocess it once it is done or failed'
        return reply.code(409).send(errorReply(409, message))
      }
      onProductCreated(id)
      return reply.code(202).send(productView(row))
    },
  )
}

export default products
