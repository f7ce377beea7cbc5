import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Db } from '../db/client.ts'

export interface HealthChecks {
  /** Resolves when the database answers a query. */
  database(): Promise<unknown>
  brokerConnected(): boolean
}

/** The checks of a process: its database answers `SELECT 1`, and its broker connection is up. */
export const healthChecks = (db: Db, brokerConnected: () => boolean): HealthChecks => ({
  database: () => db.$queryRaw`SELECT 1`,
  brokerConnected,
})

const Alive = Type.Object({ status: Type.Literal('ok') })
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  database: Type.Boolean(),
  broker: Type.Boolean(),
})

const DATABASE_CHECK_TIMEOUT_MS = 2000

/** /health: the process answers. /ready: it can do its work (database and broker reachable). */
const health: FastifyPluginAsyncTypebox<{ checks: HealthChecks }> = async (app, { checks }) => {
  // Open to anyone (`security: []`): probes carry no key.
  const schema = { tags: ['operations'], security: [] }
  app.get(
    '/health',
    {
      schema: {
        ...schema,
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        response: { 200: Alive },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/ready',
    {
      schema: {
        ...schema,
        operationId: 'getReadiness',
        summary: 'Readiness: the database and the broker are reachable',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const timeout = new Promise((_resolve, reject) => setTimeout(reject, DATABASE_CHECK_TIMEOUT_MS).unref())
      const database = await Promise.race([checks.database(), timeout]).then(
        () => true,
        () => false,
      )
      const broker = checks.brokerConnected()
      const ready = database && broker
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', database, broker })
    },
  )
}

export default health
