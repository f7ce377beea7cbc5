// Issue item 6: one worker process against two on the same queue (same AMQP_NAMESPACE), each
// timed over the same fixed batch. On 2 cores one worker already keeps both busy (4 images at a
// time), so expect ≈ 1.0–1.2×: the point is that a second worker shares the work and how it is measured.
import { bench } from 'vitest'
import { stopService, type ServiceProcess } from '../tests/helpers/service-process.ts'
import { makeCorpus } from './corpus.ts'
import { productsOf, startPipeline, startWorkerProcess, type Batch } from './pipeline.ts'
import { median, ONCE, report, round } from './report.ts'

const PRODUCTS = 12

bench('6. scale-out: 1 vs 2 worker processes', async () => {
  const corpus = await makeCorpus(['1920x1080 JPEG q92'], 3)
  const pipeline = await startPipeline(corpus)
  const workers: ServiceProcess[] = []
  try {
    const products = productsOf(corpus, PRODUCTS)
    const images = PRODUCTS * 3
    const first = await startWorkerProcess(pipeline, workers)
    await pipeline.run(products.slice(0, 2), [first]) // warm-up
    const one: Batch[] = []
    const two: Batch[] = []
    // 1, 2, 2, 1 workers: a steady drift of the machine weighs on both alike.
    one.push(await pipeline.run(products, [first]))
    const second = await startWorkerProcess(pipeline, workers)
    await pipeline.run(products.slice(0, 2), [first, second]) // warm-up of the second
    two.push(await pipeline.run(products, [first, second]))
    two.push(await pipeline.run(products, [first, second]))
    await stopService(second)
    one.push(await pipeline.run(products, [first]))

    const rate = (batches: Batch[]) => round((images * 1000) / median(batches.map((b) => b.ms)), 2)
    const speedup = round(rate(two) / rate(one), 2)
    const seconds = (batches: Batch[]) => batches.map((b) => round(b.ms / 1000, 2)).join(' ')
    report('6-scale-out', {
      title: 'Scale-out',
      method: `${PRODUCTS} products of 3 × 1920×1080 JPEG q92 (${images} images) per round, worker processes (src/main.ts worker, production defaults) on one queue; rounds with 1, 2, 2, 1 workers, median of each.`,
      rows: [
        { workers: 1, 'images/s': rate(one), 'rounds (s)': seconds(one), 'products per worker': one.map((b) => b.perWorker.join('+')).join(', ') },
        { workers: 2, 'images/s': rate(two), 'rounds (s)': seconds(two), 'products per worker': two.map((b) => b.perWorker.join('+')).join(', ') },
        { workers: '2 vs 1', 'images/s': speedup, 'rounds (s)': '', 'products per worker': '' },
      ],
      goals: [{ goal: 'two workers share one queue, ≈ 1.0–1.2× on 2 cores', measured: `${speedup}×, split ${two.map((b) => b.perWorker.join('+')).join(', ')}`, met: two.every((b) => b.perWorker.every((n) => n > 0)) }],
      data: { images, one, two, speedup },
    })
  } finally {
    await Promise.all(workers.map(stopService))
    await pipeline.close()
  }
}, ONCE)
