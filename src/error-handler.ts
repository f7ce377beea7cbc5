import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'

/** What a 5xx answers: that the server failed, and the request id its log lines carry (`reqId`). */
export const ServerError = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    request_id: Type.String({ description: 'the reqId of the log lines about this request, where the details are' }),
  },
  { description: 'the server failed; the body says nothing more' },
)

/** The status an error answers with, as Fastify chooses it: the error's own, the reply's, or 500. */
export function statusOf(error: Partial<FastifyError>, reply: Pick<FastifyReply, 'statusCode'>): number {
  const isError = (status: unknown): status is number => typeof status === 'number' && status >= 400 && status <= 599
  if (isError(error.statusCode)) return error.statusCode
  return isError(reply.statusCode) ? reply.statusCode : 500
}

/**
 * A client error (4xx) answers as Fastify answers it, with its message: it is about the request.
 * A server error (5xx) says only that the server failed, with the request id; its message, code
 * and stack, which can hold a query or an address, go to the log. Registered first, so that it
 * handles the errors of every route.
 */
async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = statusOf(error, reply)
    // Thrown on, to Fastify's own handler: its status, headers, message and log line.
    if (statusCode < 500) throw error
    request.log.error({ req: request, res: reply, err: error }, error.message)
    const name = STATUS_CODES[statusCode] ?? 'Server Error'
    return reply.code(statusCode).send({ statusCode, error: name, message: name.toLowerCase(), request_id: request.id })
  })
}

export default fp(errorHandler, { name: 'error-handler' })
