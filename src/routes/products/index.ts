import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/client.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import { createProductBody, ErrorReply, Product, ProductParams, type ProductLimits } from './schema.ts'
import { productView } from './view.ts'

export interface ProductRoutesOptions {
  db: Db
  /** Called after a product is committed, to publish it without waiting for the relay's next tick. */
  onProductCreated: (productId: number) => void
  limits: ProductLimits
}

const isMissingUser = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003'

const products: FastifyPluginAsyncTypebox<ProductRoutesOptions> = async (app, { db, onProductCreated, limits }) => {
  app.post(
    '/',
    { schema: { body: createProductBody(limits), response: { 201: Product, 422: ErrorReply } } },
    async (request, reply) => {
      try {
        const row = await db.product.create({ data: request.body })
        onProductCreated(row.product_id)
        return reply.code(201).send(productView(row))
      } catch (error) {
        if (!isMissingUser(error)) throw error
        const message = `user_id ${request.body.user_id} does not exist`
        return reply.code(422).send({ statusCode: 422, error: 'Unprocessable Entity', message })
      }
    },
  )

  app.get('/:id', { schema: { params: ProductParams, response: { 200: Product, 404: ErrorReply } } }, async (request, reply) => {
    const row = await db.product.findUnique({ where: { product_id: request.params.id } })
    if (!row) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `product ${request.params.id} does not exist` })
    return productView(row)
  })
}

export default products
