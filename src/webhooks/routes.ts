import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { REQUIRES_API_KEY } from '../auth/authenticate.ts'
import { mayActFor, visibleTo } from '../auth/principal.ts'
import type { Db } from '../db/client.ts'
import { isMissingReference } from '../db/errors.ts'
import type { AddressPolicy } from '../images/address-policy.ts'
import { ListQuery } from '../routes/products/schema.ts'
import { commonAnswers, errorReply, ErrorReply, forbidden, unknownUser } from '../routes/replies.ts'
import { webhookAddressProblem } from './address-check.ts'
import {
  CreatedWebhook,
  CreateWebhookBody,
  MAX_ENDPOINTS_PER_USER,
  WebhookDetail,
  WebhookList,
  WebhookParams,
} from './schema.ts'
import { newSecret } from './signing.ts'
import { attemptView, endpointView } from './view.ts'

export interface WebhookRoutesOptions {
  db: Db
  /** ALLOW_PRIVATE_WEBHOOK_URLS: which addresses a webhook URL may resolve to. */
  addressPolicy: AddressPolicy
}

/** Attempts GET /webhooks/:id shows. */
const ATTEMPTS_SHOWN = 20

// Another user's endpoint answers exactly as a missing one, as products do.
const notFound = (id: number) => errorReply(404, `webhook ${id} does not exist`)

/**
 * /webhooks: a user's endpoints for product events, with the access rules of /products (a user's
 * key acts for its own user, an admin key for any). Registered behind `authenticate`.
 */
const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { db, addressPolicy }) => {
  const tags = ['webhooks']
  const security = REQUIRES_API_KEY

  app.post(
    '',
    {
      schema: {
        tags,
        security,
        operationId: 'createWebhook',
        summary: 'Register a webhook endpoint for product events',
        description:
          'product.done and product.failed are POSTed to the URL, signed as Standard Webhooks sign them with the ' +
          "secret this answer shows once. A user's key may register endpoints for its own user only.",
        body: CreateWebhookBody,
        response: {
          201: CreatedWebhook,
          400: ErrorReply,
          403: ErrorReply,
          409: ErrorReply,
          413: ErrorReply,
          422: ErrorReply,
          ...commonAnswers,
        },
      },
    },
    async (request, reply) => {
      const { principal, body } = request
      if (!mayActFor(principal, body.user_id)) {
        return reply.code(403).send(forbidden('register webhooks'))
      }
      const problem = await webhookAddressProblem(addressPolicy, body.url)
      if (problem) {
        return reply.code(400).send(errorReply(400, `body/url: ${problem}`))
      }
      if ((await db.webhookEndpoint.count({ where: { user_id: body.user_id } })) >= MAX_ENDPOINTS_PER_USER) {
        const message = `user ${body.user_id} already has ${MAX_ENDPOINTS_PER_USER} webhooks: delete one first`
        return reply.code(409).send(errorReply(409, message))
      }
      try {
        const row = await db.webhookEndpoint.create({ data: { ...body, secret: newSecret() } })
        return reply.code(201).send({ ...endpointView(row), secret: row.secret })
      } catch (error) {
        if (!isMissingReference(error)) throw error
        return reply.code(422).send(unknownUser(body.user_id))
      }
    },
  )

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        operationId: 'listWebhooks',
        summary: 'List webhook endpoints, newest first',
        description: "A user's key sees its own user's endpoints only; an admin key sees every endpoint.",
        querystring: ListQuery,
        response: { 200: WebhookList, 400: ErrorReply, ...commonAnswers },
      },
    },
    async (request) => {
      const { user_id: userId, cursor, limit } = request.query
      const rows = await db.webhookEndpoint.findMany({
        where: {
          AND: [visibleTo(request.principal), { user_id: userId, id: cursor ? { lt: Number(cursor) } : undefined }],
        },
        orderBy: { id: 'desc' },
        take: limit + 1,
      })
      const page = rows.slice(0, limit)
      return { items: page.map(endpointView), next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null }
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'getWebhook',
        summary: 'A webhook endpoint with its last delivery attempts',
        params: WebhookParams,
        response: { 200: WebhookDetail, 400: ErrorReply, 404: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const row = await db.webhookEndpoint.findFirst({
        where: { id: request.params.id, ...visibleTo(request.principal) },
        include: { attempts: { orderBy: { id: 'desc' }, take: ATTEMPTS_SHOWN } },
      })
      if (!row) return reply.code(404).send(notFound(request.params.id))
      return { ...endpointView(row), attempts: row.attempts.map(attemptView) }
    },
  )

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook endpoint',
        description: 'Events not yet delivered to it are dropped.',
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'deleted' }), 400: ErrorReply, 404: ErrorReply, ...commonAnswers },
      },
    },
    async (request, reply) => {
      const { count } = await db.webhookEndpoint.deleteMany({
        where: { id: request.params.id, ...visibleTo(request.principal) },
      })
      if (count === 0) return reply.code(404).send(notFound(request.params.id))
      return reply.code(204).send(null)
    },
  )
}

export default webhookRoutes
