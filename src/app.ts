import underPressure from '@fastify/under-pressure'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { Registry } from 'prom-client'
import accessControl, { type AccessSettings } from './auth/access-control.ts'
import { loadConfig, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import docs from './docs.ts'
import errorHandler from './error-handler.ts'
import { parseAddressPolicy, type AddressPolicy } from './images/address-policy.ts'
import type { ImageStore } from './images/storage/image-store.ts'
import { localStore } from './images/storage/local-store.ts'
import { measureHttp } from './operations.ts'
import securityHeaders from './security-headers.ts'
import health, { type HealthChecks } from './routes/health.ts'
import images from './routes/images.ts'
import changeProducts from './routes/products/change.ts'
import products from './routes/products/index.ts'
import { productKeywords } from './routes/products/keywords.ts'
import type { ProductLimits } from './routes/products/schema.ts'
import webhooks from './webhooks/routes.ts'

export interface AppSettings extends ProductLimits {
  bodyLimit: number
  /** Where the worker writes compressed images with STORAGE=local; served under /images/. */
  imagesDir: string
  access: AccessSettings
  /** Where webhook URLs may point (ALLOW_PRIVATE_WEBHOOK_URLS). */
  webhookAddressPolicy: AddressPolicy
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
  webhookAddressPolicy: parseAddressPolicy(config.ALLOW_PRIVATE_WEBHOOK_URLS, 'ALLOW_PRIVATE_WEBHOOK_URLS'),
})

export interface AppDeps {
  db: Db
  /** Called after a product is committed, to publish it without waiting for the relay's next tick. */
  onProductCreated: (productId: number) => void
  /** What /health and /ready check: the same checks as the operations server's (api.ts). */
  checks: HealthChecks
  /** The configuration's defaults when not given. */
  settings?: AppSettings
  /** Where the HTTP metrics go, for the operations server's /metrics (see operations.ts). */
  httpMetrics?: Registry
  /** Where the images served under /images/ are; by default files in `settings.imagesDir`. */
  store?: ImageStore
}

/** The HTTP application without listen(), so tests can inject requests. */
export async function buildApp(
  {
    db,
    onProductCreated,
    checks,
    settings = appSettings(loadConfig({})),
    httpMetrics = new Registry(),
    store,
  }: AppDeps,
  options: FastifyServerOptions = {},
) {
  const app = Fastify({
    bodyLimit: settings.bodyLimit,
    ajv: { customOptions: { keywords: productKeywords } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // First, so that every route's errors pass through it: a 5xx tells the client nothing of the server.
  await app.register(errorHandler)
  // nosniff and a content security policy on every answer, before anything can answer.
  await app.register(securityHeaders)
  // Sheds load with 503 before the event loop drowns, rather than answering everything late.
  await app.register(underPressure, { maxEventLoopDelay: 1000, retryAfter: 10 })
  await app.register(docs, { keywords: productKeywords.map((k) => k.keyword) })
  // Metrics are served on the operations port only (operations.ts), never here.
  await measureHttp(app, httpMetrics)
  await app.register(health, { checks })
  await app.register(images, { store: store ?? localStore(settings.imagesDir) })
  // Everything under /products and /webhooks needs an API key, in one scope so that a key's rate limit
  // counts both; /health, /ready, /docs and /images stay public.
  await app.register(async (api) => {
    await api.register(accessControl, { db, access: settings.access })
    await api.register(products, { prefix: '/products', db, onProductCreated, limits: settings })
    await api.register(changeProducts, { prefix: '/products', db, onProductCreated, limits: settings })
    await api.register(webhooks, { prefix: '/webhooks', db, addressPolicy: settings.webhookAddressPolicy })
  })
  return app
}
