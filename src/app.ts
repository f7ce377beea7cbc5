import fastifyStatic from '@fastify/static'
import underPressure from '@fastify/under-pressure'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { mkdir } from 'node:fs/promises'
import { Registry } from 'prom-client'
import accessControl, { type AccessSettings } from './auth/access-control.ts'
import { loadConfig, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import docs from './docs.ts'
import { measureHttp } from './operations.ts'
import health from './routes/health.ts'
import products from './routes/products/index.ts'
import { productKeywords } from './routes/products/keywords.ts'
import { IMAGES_PREFIX } from './routes/products/view.ts'
import type { ProductLimits } from './routes/products/schema.ts'

export interface AppSettings extends ProductLimits {
  bodyLimit: number
  /** Where the worker writes compressed images; served under /images/. */
  imagesDir: string
  access: AccessSettings
}

export const appSettings = (config: Config): AppSettings => ({
  maxImages: config.MAX_IMAGES_PER_PRODUCT,
  maxUrlLength: config.MAX_IMAGE_URL_LENGTH,
  bodyLimit: config.API_BODY_LIMIT_BYTES,
  imagesDir: config.IMAGES_DIR,
  access: {
    perWindow: config.RATE_LIMIT_PER_MINUTE,
    authFailuresPerWindow: config.AUTH_FAILURES_PER_MINUTE,
    windowMs: 60_000,
    redisUrl: config.RATE_LIMIT_REDIS_URL,
  },
})

export interface AppDeps {
  db: Db
  /** Called after a product is committed, to publish it without waiting for the relay's next tick. */
  onProductCreated: (productId: number) => void
  /** Whether RabbitMQ is connected now, for /ready. */
  brokerConnected: () => boolean
  /** The configuration's defaults when not given. */
  settings?: AppSettings
  /** Where the HTTP metrics go, for the operations server's /metrics (see operations.ts). */
  httpMetrics?: Registry
}

/** The HTTP application without listen(), so tests can inject requests. */
export async function buildApp({ db, onProductCreated, brokerConnected, settings = appSettings(loadConfig({})), httpMetrics = new Registry() }: AppDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({
    bodyLimit: settings.bodyLimit,
    ajv: { customOptions: { keywords: productKeywords } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Sheds load with 503 before the event loop drowns, rather than answering everything late.
  await app.register(underPressure, { maxEventLoopDelay: 1000, retryAfter: 10 })
  await app.register(docs, { keywords: productKeywords.map((k) => k.keyword) })
  // Metrics are served on the operations port only (operations.ts), never here.
  await measureHttp(app, httpMetrics)
  await app.register(health, { checks: { database: () => db.$queryRaw`SELECT 1`, brokerConnected } })
  // Names are deterministic per product and image, and a stored image never changes.
  await mkdir(settings.imagesDir, { recursive: true })
  await app.register(fastifyStatic, { root: settings.imagesDir, prefix: IMAGES_PREFIX, decorateReply: false, maxAge: '365d', immutable: true })
  // Everything under /products needs an API key; /health, /ready, /docs and /images stay public.
  await app.register(
    async (api) => {
      await api.register(accessControl, { db, access: settings.access })
      await api.register(products, { db, onProductCreated, limits: settings, imagesDir: settings.imagesDir })
    },
    { prefix: '/products' },
  )
  return app
}
