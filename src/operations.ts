import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import metricsModule from 'fastify-metrics'
import { register, Registry } from 'prom-client'
import health, { type HealthChecks } from './routes/health.ts'

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = metricsModule.default

/**
 * Records a server's HTTP metrics, and Node's process metrics, into `registry`: a registry of the
 * server's own, so that servers in one process do not collide. Serves nothing itself.
 */
export async function measureHttp(app: FastifyInstance, registry: Registry): Promise<void> {
  await app.register(fastifyMetrics, {
    endpoint: null,
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      overrides: { histogram: { registers: [registry] }, summary: { registers: [registry] } },
    },
  })
}

export interface OperationsServerOptions {
  host: string
  port: number
  checks: HealthChecks
  log: FastifyBaseLogger
  /** The measured server's registry (see measureHttp); without it the server measures itself. */
  httpMetrics?: Registry
}

/**
 * /health, /ready and /metrics on a port of their own, never the public one: the API's operations
 * port, or the worker's. /metrics serves `httpMetrics` (the measured server's, see measureHttp)
 * and the process-wide metrics of metrics.ts. Without `httpMetrics` (a worker alone) the server
 * measures itself.
 */
export async function serveOperations({
  host,
  port,
  checks,
  log,
  httpMetrics,
}: OperationsServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log })
  const registry = httpMetrics ?? new Registry()
  if (!httpMetrics) await measureHttp(app, registry)
  await app.register(health, { checks })
  app.get('/metrics', async (_request, reply) => {
    const merged = Registry.merge([register, registry])
    return reply.type(merged.contentType).send(await merged.metrics())
  })
  await app.listen({ host, port })
  return app
}
