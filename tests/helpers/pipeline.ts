import { expect } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { createImageStore } from '../../src/images/storage/index.ts'
import { publishProductCreated, recoveryOf } from '../../src/queue/broker.ts'
import { startOutboxRelay, type OutboxRelay } from '../../src/queue/outbox-relay.ts'
import { startWorker, type Worker } from '../../src/worker.ts'
import { testSettings } from './api.ts'
import { setRetryDelay, setWebhookRetryDelay, type TestBroker } from './broker.ts'
import type { TestDatabase } from './database.ts'
import { startEnvironment } from './environment.ts'
import type { ImageServer, Route } from './image-server.ts'
import { recordLogs, type LogRecorder } from './logs.ts'
import { healthChecks } from '../../src/routes/health.ts'

export interface PipelineOptions {
  routes: Record<string, Route>
  /** Variables on top of the test's database and images directory; the image server is allowed. */
  env?: Record<string, string>
  /** Broker-side wait before a retry, of a product or a webhook (the production mechanism, shortened). */
  retryDelayMs?: number
  /** Retries before an image is recorded as unavailable. */
  retries?: number
}

export interface TestPipeline {
  database: TestDatabase
  broker: TestBroker
  images: ImageServer
  logs: LogRecorder
  app: Awaited<ReturnType<typeof buildApp>>
  worker: Worker
  config: Config
  imagesDir: string
  userId: number
  /** POSTs a product with images at these paths of the image server; it must be accepted. */
  postProduct(paths: string[]): Promise<number>
  getProduct(productId: number): Promise<Record<string, any>>
  /** POST /products/:id/reprocess with this pipeline's key (or the headers given). */
  reprocess(
    productId: number,
    headers?: Record<string, string>,
  ): Promise<{ statusCode: number; body: Record<string, any> }>
  /** Polls until the product is done or failed, and returns it. */
  settled(productId: number): Promise<Record<string, any>>
  close(): Promise<void>
}

/** API, outbox relay and worker in this process, on a database, broker namespace and image server of the test's own. */
export async function startPipeline({
  routes,
  env = {},
  retryDelayMs = 300,
  retries,
}: PipelineOptions): Promise<TestPipeline> {
  const logs = recordLogs()
  const environment = await startEnvironment({
    routes,
    log: logs.log,
    tuneBroker: (rascal) => {
      setRetryDelay(rascal, retryDelayMs)
      setWebhookRetryDelay(rascal, retryDelayMs)
      if (retries !== undefined) recoveryOf(rascal)[0]!.attempts = retries
    },
  })
  const { database, broker, images, imagesDir, userId } = environment
  const headers = { authorization: `Bearer ${environment.apiKey}` }
  const config = loadConfig(environment.env(env))
  const relay: OutboxRelay = startOutboxRelay({
    db: database.db,
    publish: (id) => publishProductCreated(broker.broker, id),
    log: logs.log,
  })
  const app = await buildApp({
    db: database.db,
    onProductCreated: relay.wake,
    checks: healthChecks(database.db, () => true),
    settings: testSettings(env),
    store: await createImageStore(config),
  })
  const worker = await startWorker({
    config,
    db: database.db,
    broker: broker.broker,
    recovery: recoveryOf(broker.config),
    log: logs.log,
  })

  return {
    database,
    broker,
    images,
    logs,
    app,
    worker,
    config,
    imagesDir,
    userId,
    async postProduct(paths) {
      const payload = {
        user_id: userId,
        product_name: 'Chair',
        product_description: 'Oak',
        product_images: paths.map(images.url),
        product_price: 120,
      }
      const response = await app.inject({ method: 'POST', url: '/products', headers, payload })
      expect(response.statusCode).toBe(201)
      return response.json().product_id as number
    },
    getProduct: async (productId) =>
      (await app.inject({ method: 'GET', url: `/products/${productId}`, headers })).json(),
    async reprocess(productId, as = headers) {
      const response = await app.inject({ method: 'POST', url: `/products/${productId}/reprocess`, headers: as })
      return { statusCode: response.statusCode, body: response.json() }
    },
    async settled(productId) {
      for (
        const deadline = Date.now() + 30_000;
        Date.now() < deadline;
        await new Promise((resolve) => setTimeout(resolve, 50))
      ) {
        const product = (await app.inject({ method: 'GET', url: `/products/${productId}`, headers })).json()
        if (product.status === 'done' || product.status === 'failed') return product
      }
      throw new Error(`product ${productId} did not settle within 30 s`)
    },
    async close() {
      await app.close()
      await relay.stop()
      await worker.stop()
      await environment.close()
    },
  }
}
