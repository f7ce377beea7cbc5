import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import underPressure from '@fastify/under-pressure'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { loadConfig, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import { registerOperations } from './operations.ts'
import type { ImageStore } from './images/storage/image-store.ts'
import { localStore } from './images/storage/local-store.ts'
import images from './routes/images.ts'
import products from './routes/products/index.ts'
import { productKeywords } from './routes/products/keywords.ts'
import type { ProductLimits } from './routes/products/schema.ts'

export interface AppSettings extends ProductLimits {
  bodyLimit: number
  /** Where the worker writes compressed images with STORAGE=local; served under /images/. */
  imagesDir: string
}

export const appSettings = (config: Config): AppSettings => ({
  maxImages: config.MAX_IMAGES_PER_PRODUCT,
  maxUrlLength: config.MAX_IMAGE_URL_LENGTH,
  bodyLimit: config.API_BODY_LIMIT_BYTES,
  imagesDir: config.IMAGES_DIR,
})

export interface AppDeps {
  db: Db
  /** Called after a product is committed, to publish it without waiting for the relay's next tick. */
  onProductCreated: (productId: number) => void
  /** Whether RabbitMQ is connected now, for /ready. */
  brokerConnected: () => boolean
  /** The configuration's defaults when not given. */
  settings?: AppSettings
  /** Where the images served under /images/ are; by default files in `settings.imagesDir`. */
  store?: ImageStore
}

/** The HTTP application without listen(), so tests can inject requests. */
export async function buildApp({ db, onProductCreated, brokerConnected, settings = appSettings(loadConfig({})), store }: AppDeps, options: FastifyServerOptions = {}) {
  const app = Fastify({
    bodyLimit: settings.bodyLimit,
    ajv: { customOptions: { keywords: productKeywords } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Sheds load with 503 before the event loop drowns, rather than answering everything late.
  await app.register(underPressure, { maxEventLoopDelay: 1000, retryAfter: 10 })
  // Documents the tagged routes: ours, not /metrics, /docs or the static files.
  await app.register(fastifySwagger, {
    hideUntagged: true,
    openapi: { info: { title: 'product-image-pipeline', version: '1.0.0', description: 'Products and their compressed images' } },
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  await registerOperations(app, { database: () => db.$queryRaw`SELECT 1`, brokerConnected })
  await app.register(images, { store: store ?? localStore(settings.imagesDir) })
  await app.register(products, { db, onProductCreated, limits: settings, prefix: '/products' })
  return app
}
