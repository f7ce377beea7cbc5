// Issue item 3: POST → done for one product of 3 × 1920×1080 images on an otherwise idle system:
// the real API and worker processes, products posted one at a time, each waited for.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { imagePipeline, processImage } from '../src/images/process-image.ts'
import { localStore } from '../src/images/storage/local-store.ts'
import { freePort, type ServiceProcess, startService, stopService, waitForPort } from '../tests/helpers/index.ts'
import { makeCorpus, type Image } from './corpus.ts'
import { startPipeline, startWorkerProcess } from './pipeline.ts'
import { ONCE, percentile, report, round } from './report.ts'

// Issue 19: POST → done stays within this much of the same images' work alone (the floor).
const GOAL_OF_FLOOR = 1.1
const WARMUP = 3
const PRODUCTS = 30

/**
 * The floor under the worker's part: one product's images through the worker's own image step
 * (processImage: decode, main file, variants, placeholder, atomic writes) in this process, with
 * the worker's slots and settings, the sources handed over from memory: no queue, no database, no
 * HTTP. Wall time and CPU (all threads) a product.
 */
async function imageWorkAlone(corpus: Image[], products: number): Promise<{ ms: number; cpuMs: number }[]> {
  sharp.cache(false)
  const config = loadConfig({})
  const directory = mkdtempSync(path.join(tmpdir(), 'e2e-floor-'))
  const pipeline = imagePipeline(
    config,
    async (url) => ({ data: Buffer.from(corpus[Number(url)]!.data), release: () => {} }),
    localStore(directory),
  )
  const samples: { ms: number; cpuMs: number }[] = []
  try {
    for (let n = 0; n < WARMUP + products; n++) {
      const [started, cpu] = [performance.now(), process.cpuUsage()]
      await Promise.all(
        corpus.map((_, index) => processImage(pipeline, { productId: n + 1, url: String(index), index })),
      )
      const { user, system } = process.cpuUsage(cpu)
      if (n >= WARMUP) samples.push({ ms: performance.now() - started, cpuMs: (user + system) / 1000 })
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
  return samples
}

bench(
  '3. end-to-end latency',
  async () => {
    const corpus = await makeCorpus(['1920x1080 JPEG q92'], 3)
    const pipeline = await startPipeline(corpus)
    let api: ServiceProcess | undefined
    const workers: ServiceProcess[] = []
    try {
      const port = await freePort()
      api = startService('api', pipeline.env({ PORT: String(port) }))
      const worker = await startWorkerProcess(pipeline, workers)
      await waitForPort(port)

      const body = JSON.stringify({
        user_id: pipeline.userId,
        product_name: 'Desk lamp',
        product_description: 'Brass, 40 cm',
        product_images: corpus.map((image) => pipeline.images.url(`/${image.name}`)),
        product_price: 49.95,
      })
      const samples: { totalMs: number; postMs: number; workerMs: number }[] = []
      for (let n = 0; n < WARMUP + PRODUCTS; n++) {
        const started = performance.now()
        const response = await fetch(`http://127.0.0.1:${port}/products`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${pipeline.apiKey}` },
          body,
        })
        const postMs = performance.now() - started
        if (response.status !== 201) {
          throw new Error(`POST /products answered ${response.status}: ${await response.text()}`)
        }
        const { product_id: productId } = (await response.json()) as { product_id: number }
        const line = await worker.waitFor((l) => l.msg === 'product processed' && l.product_id === productId, 60_000)
        if (line.outcome !== 'done') throw new Error(`product ${productId} ended ${String(line.outcome)}`)
        if (n >= WARMUP) samples.push({ totalMs: performance.now() - started, postMs, workerMs: line.ms as number })
      }

      const alone = await imageWorkAlone(corpus, PRODUCTS)

      const stats = (name: string, values: number[]) => ({
        '': name,
        'p50 ms': round(percentile(values, 50)),
        'p95 ms': round(percentile(values, 95)),
        'max ms': round(Math.max(...values)),
      })
      const total = samples.map((s) => s.totalMs)
      const floorP50 = percentile(
        alone.map((s) => s.ms),
        50,
      )
      report('3-end-to-end', {
        title: 'End-to-end latency',
        method:
          `${PRODUCTS} products (after ${WARMUP} warm-up), one at a time, each 3 × 1920×1080 JPEG q92 from a ` +
          `loopback server; API and worker as separate processes (src/main.ts api / worker), production defaults. ` +
          `Then the same images through processImage in the bench process, ${PRODUCTS} products (after ${WARMUP} ` +
          `warm-up), the worker's slots and settings, sources from memory.`,
        rows: [
          stats('POST → done (worker logged it committed)', total),
          stats(
            '  of which POST → 201',
            samples.map((s) => s.postMs),
          ),
          stats(
            '  of which 201 → worker picked it up',
            samples.map((s) => s.totalMs - s.postMs - s.workerMs),
          ),
          stats(
            '  of which worker: download, compress, write, DB',
            samples.map((s) => s.workerMs),
          ),
          stats(
            "the same 3 images through the worker's image step alone, in the bench process (no queue, DB or HTTP)",
            alone.map((s) => s.ms),
          ),
          stats(
            '  its CPU, all threads (ms a product)',
            alone.map((s) => s.cpuMs),
          ),
        ],
        goals: [
          {
            goal: `POST → done p50 within ${GOAL_OF_FLOOR}× the image-work floor, 3 × 1080p (variants on)`,
            measured:
              `${round(percentile(total, 50))} ms, ` +
              `${round(percentile(total, 50) / floorP50, 2)}× the floor's ${round(floorP50)} ms`,
            met: percentile(total, 50) <= GOAL_OF_FLOOR * floorP50,
          },
        ],
        data: { products: PRODUCTS, p50: percentile(total, 50), p95: percentile(total, 95), samples, alone },
      })
    } finally {
      await stopService(api)
      await Promise.all(workers.map(stopService))
      await pipeline.close()
    }
  },
  ONCE,
)
