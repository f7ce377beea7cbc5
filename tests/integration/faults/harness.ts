// Shared by the fault tests: a batch of products through real API and worker processes,
// a fault in the middle, and a tally of what came out.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { startEnvironment, type TestEnvironment } from '../../helpers/environment.ts'
import { serve, type Route } from '../../helpers/image-server.ts'
import { photoJpeg } from '../../helpers/images.ts'
import { recordLogs } from '../../helpers/logs.ts'
import { apiUrlOf, startService, stopService, type ServiceProcess } from '../../helpers/service-process.ts'

export const BATCH = 50
/** How long a service process may take to start: tsx compiles on a busy 2-core machine. */
export const STARTUP_MS = 60_000

export type Scenario = TestEnvironment

export interface Posted {
  productId: number
  imageCount: number
  /** Files its images make at the default IMAGE_VARIANT_WIDTHS (256, 640, 1280): main files and variants. */
  fileCount: number
}

// The batch's photos are 640, 480 and 800 wide; a product's image i is photo i. Each makes its
// main file and a variant for every default width narrower than itself.
const PHOTO_SIZES = [
  [640, 480],
  [480, 640],
  [800, 600],
] as const
const FILES_PER_PHOTO = [1 + 1, 1 + 1, 1 + 2] // + 256; + 256; + 256 and 640

/**
 * Images for a batch (and `extraRoutes`), on a database, queue namespace and image server of its own; on the tests'
 * RabbitMQ unless told another.
 */
export async function startScenario(amqpUrl?: string, extraRoutes: Record<string, Route> = {}): Promise<Scenario> {
  const photos = await Promise.all(PHOTO_SIZES.map(([width, height]) => photoJpeg(width, height)))
  const routes: Record<string, Route> = { ...extraRoutes }
  for (let i = 0; i < BATCH * 3; i++) routes[`/p/${i}.jpg`] = serve(photos[i % photos.length]!)
  // The API's rate limit is not what these tests are about: high enough never to refuse a batch.
  const env = { SHUTDOWN_TIMEOUT_MS: '20000', RATE_LIMIT_PER_MINUTE: '100000' }
  return startEnvironment({ routes, log: recordLogs().log, label: 'fault', amqpUrl, env })
}

/** Posts products with 2 or 3 images each; every POST must be accepted. */
export async function postBatch(scenario: Scenario, apiUrl: string, count = BATCH, from = 0): Promise<Posted[]> {
  const posted: Posted[] = []
  for (let n = from; n < from + count; n++) {
    const imageCount = 2 + (n % 2)
    const productImages = Array.from({ length: imageCount }, (_, i) =>
      scenario.images.url(`/p/${(n * 3 + i) % (BATCH * 3)}.jpg`),
    )
    const productId = await scenario.postProduct(apiUrl, productImages, {
      product_name: `Product ${n}`,
      product_price: n,
    })
    const fileCount = FILES_PER_PHOTO.slice(0, imageCount).reduce((sum, files) => sum + files, 0)
    posted.push({ productId, imageCount, fileCount })
  }
  return posted
}

export async function countDone(scenario: Scenario): Promise<number> {
  return scenario.database.db.product.count({ where: { status: 'done' } })
}

/** Polls until every product has finished or the time is up (what is left then counts as lost). */
export async function waitUntilSettled(scenario: Scenario, posted: Posted[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const settled = await scenario.database.db.product.count({
      where: { product_id: { in: posted.map((p) => p.productId) }, status: { in: ['done', 'failed'] } },
    })
    if (settled === posted.length) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

export interface Figures {
  posted: number
  done: number
  lost: number
  duplicated: number
  deadLettered: number
  seconds: number
}

/** Counts what came out: products done (every path and file there), lost, and files or paths beyond those expected. */
export async function tally(scenario: Scenario, name: string, posted: Posted[], startedAt: number): Promise<Figures> {
  const rows = await scenario.database.db.product.findMany({
    where: { product_id: { in: posted.map((p) => p.productId) } },
  })
  let duplicated = 0
  let done = 0
  for (const { productId, imageCount, fileCount } of posted) {
    const row = rows.find((r) => r.product_id === productId)!
    const files = await readdir(path.join(scenario.imagesDir, String(productId))).catch(() => [])
    duplicated += Math.max(0, files.length - fileCount)
    duplicated += row.compressed_product_images.length - new Set(row.compressed_product_images).size
    duplicated += Math.max(0, row.compressed_product_images.length - imageCount)
    if (row.status === 'done' && row.compressed_product_images.length === imageCount && files.length === fileCount) {
      done++
    }
  }
  const figures = {
    posted: posted.length,
    done,
    lost: posted.length - done,
    duplicated,
    deadLettered: scenario.broker.deadLetters.length,
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
  }
  console.log(`[fault] ${name}: ${JSON.stringify(figures)}`)
  return figures
}

/** Starts service processes for a scenario and remembers them, to stop them all and to show their logs. */
export function serviceGroup(scenario: () => Scenario) {
  const services: { role: string; service: ServiceProcess }[] = []
  return {
    start(role: 'api' | 'worker', overrides?: Record<string, string>): ServiceProcess {
      const service = startService(role, scenario().env(overrides))
      services.push({ role, service })
      return service
    },
    /** The last log lines of every process: what a failed fault test needs to be understood. */
    printTails() {
      for (const { role, service } of services) {
        console.log(
          `--- ${role} ${service.pid}\n${service.lines
            .slice(-15)
            .map((l) => JSON.stringify(l).slice(0, 500))
            .join('\n')}`,
        )
      }
    },
    stopAll: () => Promise.all(services.map(({ service }) => stopService(service))),
  }
}

/**
 * This file's scenario (with `extraRoutes` on its image server): set up before its tests; it and its processes torn
 * down after them.
 */
export function useScenario(extraRoutes?: Record<string, Route>) {
  let scenario: Scenario
  const services = serviceGroup(() => scenario)
  beforeAll(async () => {
    scenario = await startScenario(undefined, extraRoutes)
  })
  afterAll(async () => {
    await services.stopAll()
    await scenario?.close()
  })
  return { scenario: () => scenario, services }
}

/** API and a worker started, a batch posted, and a few products done: the moment to strike. */
export async function midBatch(
  scenario: Scenario,
  services: ReturnType<typeof serviceGroup>,
  workerEnv?: Record<string, string>,
) {
  const startedAt = performance.now()
  const api = services.start('api')
  const worker = services.start('worker', workerEnv)
  await worker.waitFor((line) => line.msg === 'worker consuming', STARTUP_MS)
  const posted = await postBatch(scenario, await apiUrlOf(api))
  await expect.poll(() => countDone(scenario), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(5)
  return { api, worker, posted, startedAt }
}
