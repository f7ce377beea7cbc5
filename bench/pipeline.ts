// The worker path's surroundings for a benchmark: a database and a queue namespace of its own,
// a loopback server with the corpus, and products put straight on the queue.
import { decode, encode, type CompressOptions } from '../src/images/compress.ts'
import { placeholderOf } from '../src/images/placeholder.ts'
import { variantWidthsFor } from '../src/images/variants.ts'
import { publishProductCreated } from '../src/queue/broker.ts'
import {
  type Line,
  type LogRecorder,
  recordLogs,
  type ServiceProcess,
  startEnvironment,
  startService,
  type TestEnvironment,
} from '../tests/helpers/index.ts'
import { routesFor, type Image } from './corpus.ts'
import { sleep } from './report.ts'

export interface Pipeline extends TestEnvironment {
  /** Log lines of this process (the broker, and a worker started in-process). */
  logs: LogRecorder
  /**
   * Stores the products, then times putting them on the queue (as the outbox relay would; the
   * relay itself is not measured here) until the given workers have processed them all.
   */
  run(products: Image[][], workers: { lines: Line[] }[]): Promise<Batch>
}

export interface Batch {
  ms: number
  /** Products processed by each worker, in the order given. */
  perWorker: number[]
  /** Products of the batch processed more than once (by any of the workers). */
  twice: number
}

export async function startPipeline(corpus: Image[]): Promise<Pipeline> {
  const logs = recordLogs()
  const environment = await startEnvironment({ routes: routesFor(corpus), log: logs.log, label: 'bench' })
  const { database, images, userId, broker } = environment
  return {
    ...environment,
    logs,
    async run(products, workers) {
      const rows = await database.db.product.createManyAndReturn({
        data: products.map((productImages, n) => ({
          user_id: userId,
          product_name: `Bench product ${n}`,
          product_description: 'benchmark',
          product_images: productImages.map((image) => images.url(`/${image.name}`)),
          product_price: 10,
          queued_at: new Date(),
        })),
        select: { product_id: true },
      })
      const ids = rows.map((row) => row.product_id)
      const started = performance.now()
      await Promise.all(ids.map((id) => publishProductCreated(broker.broker, id)))
      const { perWorker, twice } = await processed(workers, ids)
      return { ms: performance.now() - started, perWorker, twice }
    },
  }
}

const isProcessed = (line: Line) => line.msg === 'product processed'

/**
 * Resolves once the workers whose log lines are given have logged every product as processed
 * (committed; the ack follows at once), with how many each worker did and how many products
 * were processed again. Watches the lines already collected in memory, every few
 * milliseconds: nothing is asked of the database.
 */
export async function processed(
  workers: { lines: Line[] }[],
  ids: number[],
  timeoutMs = 300_000,
): Promise<{ perWorker: number[]; twice: number }> {
  const batch = new Set(ids)
  const waiting = new Set(ids)
  const perWorker = workers.map(() => 0)
  const seen = workers.map(() => 0)
  let twice = 0
  const deadline = performance.now() + timeoutMs
  while (waiting.size > 0) {
    workers.forEach(({ lines }, w) => {
      for (; seen[w]! < lines.length; seen[w]!++) {
        const line = lines[seen[w]!]!
        const id = line.product_id as number
        if (!isProcessed(line) || !batch.has(id)) continue
        if (!waiting.delete(id)) {
          twice++
          continue
        }
        if (line.outcome !== 'done') {
          throw new Error(`product ${id} ended ${String(line.outcome)}: the benchmark is void`)
        }
        perWorker[w]!++
      }
    })
    if (performance.now() > deadline) {
      throw new Error(`${waiting.size} of ${ids.length} products not processed within ${timeoutMs} ms`)
    }
    if (waiting.size > 0) await sleep(5)
  }
  return { perWorker, twice }
}

/**
 * Starts a worker process (the real entry point) on the pipeline's queue, adding it to `into` at
 * once (so a finally block stops it whatever happens), and waits until it consumes.
 */
export async function startWorkerProcess(
  pipeline: Pipeline,
  into: ServiceProcess[],
  env: Record<string, string> = {},
  cpus?: string,
): Promise<ServiceProcess> {
  const worker = startService('worker', pipeline.env(env), cpus)
  into.push(worker)
  await worker.waitFor((line) => line.msg === 'worker consuming', 60_000)
  return worker
}

/** `count` products of `perProduct` images each, taking the images round-robin from `images`. */
export function productsOf(images: Image[], count: number, perProduct = 3): Image[][] {
  return Array.from({ length: count }, (_, p) =>
    Array.from({ length: perProduct }, (_, i) => images[(p * perProduct + i) % images.length]!),
  )
}

/**
 * The worker's image work alone, without download or storage: decode once, the main image, a
 * variant at each width narrower than it, the placeholder. Returns the files' widths and bytes.
 */
export async function imageWork(
  input: Buffer,
  options: CompressOptions,
  widths: readonly number[],
): Promise<{ width: number; bytes: number }[]> {
  const pixels = await decode(input, options)
  const files = [{ width: pixels.width, bytes: (await encode(pixels, options)).data.length }]
  for (const width of variantWidthsFor(pixels.width, widths)) {
    files.push({ width, bytes: (await encode(pixels, options, width)).data.length })
  }
  await placeholderOf(pixels)
  return files
}
