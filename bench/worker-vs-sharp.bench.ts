// Issue item 1: the full worker path against raw sharp on the same images at the same parallelism.
//   raw sharp: the worker's image work alone (decode once, main image, variants, placeholder; production
//              settings from loadConfig() defaults) on each image, IMAGE_CONCURRENCY at a time
//   worker:    startWorker() in this process: queue → download (loopback) → the same image work
//              → write → DB update → ack
// Both run in this one process, rounds alternating, so the ratio is what the worker keeps of what sharp can do.
import pLimit from 'p-limit'
import { bench } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { compressOptions } from '../src/images/compress.ts'
import { parseWidths } from '../src/images/variants.ts'
import { recoveryOf } from '../src/queue/broker.ts'
import { startWorker, type Worker } from '../src/worker.ts'
import { KINDS, makeCorpus, ofKind, type Image, type Kind } from './corpus.ts'
import { imageWork, productsOf, startPipeline } from './pipeline.ts'
import { alternating, median, ONCE, report, round, timed } from './report.ts'

const ROUNDS = 3
const GOAL = 0.9

/** A round's wall time, and the CPU time this process spent in it (all its threads, libvips' too). */
async function measured(round: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const before = process.cpuUsage()
  const ms = await timed(round)
  const { user, system } = process.cpuUsage(before)
  return { ms, cpuMs: (user + system) / 1000 }
}

bench(
  '1. worker vs raw sharp',
  async () => {
    const corpus = await makeCorpus(Object.keys(KINDS) as Kind[])
    const pipeline = await startPipeline(corpus)
    let worker: Worker | undefined
    try {
      const config = loadConfig(pipeline.env())
      const options = compressOptions(config)
      const { db } = pipeline.database
      worker = await startWorker({
        config,
        db,
        broker: pipeline.broker.broker,
        recovery: recoveryOf(pipeline.broker.config),
        log: pipeline.logs.log,
      })

      // 8 products of 3 images: 12 × 1080p, 6 × 4000×3000, 6 × PNG; kinds interleaved as they would arrive.
      const byKind = (kind: Kind, count: number) => productsOf(ofKind(corpus, kind), count)
      const [hd, big, png] = [
        byKind('1920x1080 JPEG q92', 4),
        byKind('4000x3000 JPEG q92', 2),
        byKind('1200x800 PNG alpha', 2),
      ]
      const batch = [hd[0]!, big[0]!, png[0]!, hd[1]!, hd[2]!, big[1]!, png[1]!, hd[3]!]
      const images = batch.flat()

      // A fresh copy per call, as a download would hand the worker: no reuse of one input buffer.
      const rawSharp = (list: Image[]) => {
        const limit = pLimit(config.IMAGE_CONCURRENCY)
        const widths = parseWidths(config.IMAGE_VARIANT_WIDTHS)
        return timed(() =>
          Promise.all(list.map((image) => limit(() => imageWork(Buffer.from(image.data), options, widths)))),
        )
      }
      const throughWorker = (products: Image[][]) => pipeline.run(products, [pipeline.logs])

      // Warm-up: JIT, the pools, the first connections.
      await rawSharp(batch.slice(0, 2).flat())
      await throughWorker(batch.slice(0, 2))

      const [raw, through] = await alternating(
        ROUNDS,
        () => measured(() => rawSharp(images)),
        () => measured(() => throughWorker(batch)),
      )
      const [rawMs, workerMs] = [raw.map((r) => r.ms), through.map((r) => r.ms)]
      const cpuSeconds = (rounds: { cpuMs: number }[]) => round(median(rounds.map((r) => r.cpuMs)) / 1000, 2)

      const perSecond = (ms: number) => round((images.length * 1000) / ms, 2)
      const rawRate = perSecond(median(rawMs))
      const workerRate = perSecond(median(workerMs))
      const ratio = round(workerRate / rawRate, 3)
      const prefetch = config.WORKER_PREFETCH
      report('1-worker-vs-sharp', {
        title: 'Worker vs raw sharp',
        method:
          `${images.length} images a round (12 × 1920×1080 JPEG, 6 × 4000×3000 JPEG, 6 × 1200×800 PNG alpha; 8 ` +
          `products of 3), ` +
          `${ROUNDS} rounds each, alternating, median. Production settings (${options.format} q${options.quality}, ` +
          `max ${options.maxSide}, variants ${config.IMAGE_VARIANT_WIDTHS}). ` +
          `Parallelism: ${config.IMAGE_CONCURRENCY} images at a time in both (worker: prefetch ${prefetch} ` +
          `products, IMAGE_CONCURRENCY ${config.IMAGE_CONCURRENCY}). ` +
          'CPU s a round: user + system time of the bench process in the round, median (PostgreSQL and RabbitMQ, ' +
          'separate processes, not included).',
        rows: [
          {
            path: `raw sharp: decode, main image, variants, placeholder; ${config.IMAGE_CONCURRENCY} at a time`,
            'images/s': rawRate,
            'rounds (s)': rawMs.map((ms) => round(ms / 1000, 2)).join(' '),
            'CPU s a round': cpuSeconds(raw),
          },
          {
            path: 'worker: queue → download → compress → write → DB → ack',
            'images/s': workerRate,
            'rounds (s)': workerMs.map((ms) => round(ms / 1000, 2)).join(' '),
            'CPU s a round': cpuSeconds(through),
          },
          {
            path: 'ratio worker / raw sharp',
            'images/s': ratio,
            'rounds (s)': '',
            'CPU s a round': round(cpuSeconds(through) / cpuSeconds(raw), 3),
          },
        ],
        goals: [{ goal: `worker / raw sharp ≥ ${GOAL}`, measured: ratio.toFixed(2), met: ratio >= GOAL }],
        data: {
          imagesPerRound: images.length,
          parallelism: config.IMAGE_CONCURRENCY,
          prefetch,
          rawMs,
          workerMs,
          rawCpuMs: raw.map((r) => r.cpuMs),
          workerCpuMs: through.map((r) => r.cpuMs),
          rawRate,
          workerRate,
          ratio,
        },
      })
    } finally {
      await worker?.stop()
      await pipeline.close()
    }
  },
  ONCE,
)
