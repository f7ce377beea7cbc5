import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import metricsModule from 'fastify-metrics'
import { Registry } from 'prom-client'
import health, { type HealthChecks } from './routes/health.ts'

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = metricsModule.default

/**
 * /health, /ready and /metrics: on the API, and on the worker's own small server when it runs
 * alone. HTTP metrics go to a registry of this server's own (so servers in one process do not
 * collide); /metrics also serves the process-wide ones of metrics.ts.
 */
export async function registerOperations(app: FastifyInstance, checks: HealthChecks): Promise<void> {
  const registry = new Registry()
  await app.register(fastifyMetrics, {
    endpoint: '/metrics',
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: { enabled: { histogram: true, summary: false }, overrides: { histogram: { registers: [registry] }, summary: { registers: [registry] } } },
  })
  await app.register(health, { checks })
}

/** The worker's own small server for probes and metrics, when it runs without the API. */
export async function serveOperations(host: string, port: number, checks: HealthChecks, log: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log })
  await registerOperations(app, checks)
  await app.listen({ host, port })
  return app
}
