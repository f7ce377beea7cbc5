import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { BrokerConfig } from 'rascal'
import { inject } from 'vitest'
import { createApiKey } from '../../src/auth/key-store.ts'
import type { Logger } from '../../src/logger.ts'
import { createTestBroker, type TestBroker } from './broker.ts'
import { createTestDatabase, createUser, type TestDatabase } from './database.ts'
import { startImageServer, type ImageServer, type Route } from './image-server.ts'

/** What a test (or a benchmark) runs the service against: all of it its own, so files run in parallel. */
export interface TestEnvironment {
  database: TestDatabase
  broker: TestBroker
  images: ImageServer
  imagesDir: string
  /** A user the products can belong to. */
  userId: number
  /** An API key of that user. */
  apiKey: string
  /** Settings for loadConfig() or a service process: the defaults but for where things are. */
  env(overrides?: Record<string, string>): Record<string, string>
  /** POSTs a product of `userId` with these image URLs to the API at `apiUrl`; its id, once accepted. */
  postProduct(
    apiUrl: string,
    imageUrls: string[],
    fields?: { product_name?: string; product_price?: number },
  ): Promise<number>
  close(): Promise<void>
}

export interface EnvironmentOptions {
  /** What the loopback image server serves. */
  routes: Record<string, Route>
  /** Where this process's broker client logs. */
  log: Logger
  /** Changes to the production topology, e.g. a shorter retry wait. */
  tuneBroker?: (config: BrokerConfig) => void
  /** Names the queue namespace and the images directory, to tell them apart when debugging. */
  label?: string
  /** RabbitMQ: by default the tests' broker; a cluster's comma-separated nodes work too. */
  amqpUrl?: string
  /** Settings every `env()` of this environment has, under its own overrides. */
  env?: Record<string, string>
}

/**
 * A request sent again after `Retry-After` while the API sheds load (503, @fastify/under-pressure), as a
 * client should: on a machine busy enough to delay the API's event loop by a second, it does.
 */
async function sendShedding(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, init)
    if (response.status !== 503 || attempt === 5) return response
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000))
  }
}

/** A database, a broker namespace, an images directory and an image server, each of this environment's own. */
export async function startEnvironment({
  routes,
  log,
  tuneBroker,
  label = 'test',
  amqpUrl = inject('amqpUrl'),
  env: defaults = {},
}: EnvironmentOptions): Promise<TestEnvironment> {
  const database = await createTestDatabase()
  const userId = await createUser(database.db)
  const { key: apiKey } = await createApiKey(database.db, { userId }, label)
  const namespace = `${label}-${randomUUID()}`
  const broker = await createTestBroker(log, tuneBroker, namespace, amqpUrl)
  const images = await startImageServer(routes)
  const imagesDir = await mkdtemp(path.join(tmpdir(), `${label}-images-`))
  return {
    database,
    broker,
    images,
    imagesDir,
    userId,
    apiKey,
    env: (overrides = {}) => ({
      DATABASE_URL: database.url,
      AMQP_URL: amqpUrl,
      AMQP_NAMESPACE: namespace,
      IMAGES_DIR: imagesDir,
      // The image server is on loopback, which the worker refuses by default: allow exactly it.
      ALLOW_PRIVATE_IMAGE_URLS: images.host,
      PORT: '0',
      ...defaults,
      ...overrides,
    }),
    async postProduct(apiUrl, imageUrls, fields = {}) {
      const response = await sendShedding(`${apiUrl}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          user_id: userId,
          product_name: 'Lamp',
          product_description: 'posted by a test',
          product_images: imageUrls,
          product_price: 10,
          ...fields,
        }),
      })
      if (response.status !== 201) {
        throw new Error(`POST /products answered ${response.status}: ${await response.text()}`)
      }
      return ((await response.json()) as { product_id: number }).product_id
    },
    async close() {
      await broker.close()
      await images.close()
      await database.drop()
      await rm(imagesDir, { recursive: true, force: true })
    },
  }
}
